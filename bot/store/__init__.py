"""The report store: the only code that talks SQL.

It owns the SQLAlchemy models and Alembic migrations (`models`, `migrations`, `migrate`);
reports, one module per job in `reports` (`filing` a new report and its reporter once per
idempotency key, `reads` through the one authorisation check, `changes`: status moves and
the reporter's requests, locked and transactional, `notices`: what the scheduler asks of
the outbox), composed into the `repository` facade the assistant files into and the back
office reads; the one authorisation check every read or change of a report by a user
passes (`access`) and the life cycle (`lifecycle`); the agent chats (`handoffs`),
the transactional outbox of notices (`outbox`: queued in the transaction of the change,
claimed under a lease), the web widget's inbox (`inbox`), the SMS and e-mail messages
(`contact_messages`), throttling of guesses (`throttle`), one-time codes and proven
mobiles (`verification`),
uploads and staged files (`files`, `staged`, `uploads`), the privacy purge (`privacy`),
exports, and the report reference it issues (`reference`: the CONTRACT's `BR-XXXXXXXX`, made
and read back). Every write is one transaction. It may import `bot.runtime.settings`,
`bot.clock`, `bot.digits` and `bot.texts`, never `bot.intake` (which calls it:
tests/unit/test_import_direction.py); everything that stores or reads a report goes
through it.
"""
