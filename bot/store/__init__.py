"""The report store: the only code that talks SQL.

It owns the SQLAlchemy models and Alembic migrations (`models`, `migrations`, `migrate`),
the repository the assistant files into and the back office reads (`repository`), the one
authorisation check every read or change of a report by a user passes (`access`), the
agent chats (`handoffs`), throttling of guesses (`throttle`), one-time codes and proven
mobiles (`verification`), uploads and staged files (`files`, `staged`, `uploads`), the
privacy purge (`privacy`) and exports. Every write is one transaction. It may import
`bot.runtime.settings`, `bot.clock` and three pure helpers of the domain
(`bot.intake.reference`, `workdays`, `codes`); everything that stores or reads a report
goes through it.
"""
