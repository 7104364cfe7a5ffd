"""The atomic Redis lock store (bot/runtime/lockstore.py) that several Rasa servers share, and the
lock-store section `python -m bot serve` writes from REDIS_URL.

The lock tests run against a real redis-server on a free port (Debian's package; skipped
when it is not installed): two store instances stand for two Rasa servers.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.runtime.serve import StartError, lock_store_lines


def test_redis_url_becomes_rasa_lock_store_settings() -> None:
    config = yaml.safe_load("\n".join(lock_store_lines("redis://:s%40cret@10.0.0.5:6380/2")))
    assert config["lock_store"] == {
        "type": "bot.runtime.lockstore.AtomicRedisLockStore",
        "url": "10.0.0.5",
        "port": 6380,
        "db": 2,
        "password": "s@cret",
        "key_prefix": "balagh",
    }
    config = yaml.safe_load("\n".join(lock_store_lines("rediss://user:pw@cache.example")))
    assert config["lock_store"]["port"] == 6379 and config["lock_store"]["use_ssl"] is True
    assert config["lock_store"]["username"] == "user" and "db" not in config["lock_store"]
    with pytest.raises(StartError, match="redis://"):
        lock_store_lines("http://127.0.0.1:6379")


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (Debian's redis-server package)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work: Path = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(work)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(10)


def _store(port: int):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    return LockStore.create(EndpointConfig(
        type="bot.runtime.lockstore.AtomicRedisLockStore", url="127.0.0.1", port=port, db=0,
        key_prefix="balagh",
    ))


def test_rasa_builds_it_from_the_endpoint_config(redis_port: int) -> None:
    from bot.runtime.lockstore import AtomicRedisLockStore

    store = _store(redis_port)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == "balagh:lock:"
    ticket = store.issue_ticket("c-config")
    assert store.red.exists("balagh:lock:c-config")
    store.cleanup("c-config", ticket)
    assert not store.red.exists("balagh:lock:c-config")


def test_two_servers_issuing_at_once_get_different_tickets(redis_port: int) -> None:
    stores = [_store(redis_port), _store(redis_port)]
    for round_ in range(25):
        conversation = f"c-issue-{round_}"
        barrier = threading.Barrier(2)
        tickets: list[int] = []

        def issue(store, conversation=conversation, barrier=barrier, tickets=tickets) -> None:
            barrier.wait()
            tickets.append(store.issue_ticket(conversation))

        threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(tickets) == [0, 1], (round_, tickets)
        lock = stores[0].get_lock(conversation)
        assert [t.number for t in lock.tickets] == [0, 1]


def test_turns_of_one_conversation_on_two_servers_never_overlap(redis_port: int) -> None:
    stores = [_store(redis_port), _store(redis_port)]
    inside: list[str] = []
    overlaps: list[str] = []
    served: list[str] = []
    guard = threading.Lock()

    async def turns(name: str, store) -> None:
        for i in range(5):
            async with store.lock("c-turns", wait_time_in_seconds=0.02):
                with guard:
                    if inside:
                        overlaps.append(f"{name}{i} while {inside}")
                    inside.append(name)
                await asyncio.sleep(0.01)
                with guard:
                    inside.remove(name)
                    served.append(f"{name}{i}")

    threads = [
        threading.Thread(target=lambda n=name, s=store: asyncio.run(turns(n, s)))
        for name, store in zip("ab", stores, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert overlaps == []
    assert sorted(served) == sorted(f"{n}{i}" for n in "ab" for i in range(5))
    assert not stores[0].red.exists("balagh:lock:c-turns")  # the last one out deletes it
