"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Rasa serialises the turns of one conversation with a ticket lock: each message takes a
ticket and waits until it is served. Rasa Open Source's `RedisLockStore` keeps the lock as
one Redis value but changes it by read, modify, write: two Rasa servers that get messages
of the same conversation at the same moment both read "no lock", both issue ticket 0, both
process at once, and one turn's events are lost from the tracker (RasaHQ/rasa#9213; the fix,
`ConcurrentRedisLockStore`, is in Rasa Pro only). Here each read-modify-write runs in a
Redis transaction (WATCH/MULTI/EXEC, retried when another server changed the lock in
between), so tickets are unique and served in order across servers.

`python -m bot serve` configures it when `REDIS_URL` is set:

    lock_store:
      type: bot.runtime.lockstore.AtomicRedisLockStore
      url: 127.0.0.1        # host; port, db, password, use_ssl, key_prefix as for Rasa's
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
_UNCHANGED = object()  # a change that leaves the stored lock as it is


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket operations are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with `endpoint_config=` only.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, T]]
    ) -> T:
        """Apply `change` to the stored lock in one transaction; returns its result.

        `change` gets the lock (None when there is none) and returns the lock to store
        (None deletes it, `_UNCHANGED` writes nothing) and a result.
        """
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    elif new_lock is not _UNCHANGED:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; delete the lock when nobody else waits for it."""

        def give_back(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, give_back)
