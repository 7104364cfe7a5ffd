"""Reports in the store, one module per job (bot.store.repository composes them).

- `filing`: a new report and its reporter in one transaction, once per idempotency key
  (`ReportFiling`); `reporters` finds the reporter by national ID and never overwrites it;
- `reads`: lookups by reference, filter, sender or reporter; what is read on someone's behalf
  passes the one authorisation check, bot.store.access (`ReportReads`);
- `changes`: status moves and the reporter's own requests, each with the row locked in one
  write transaction, a status move with its history row and its notice (`ReportChanges`);
- `notices`: what the scheduler asks about the outbox, and queuing one notice (`ReportNotices`);
- `rows`: how all of them load, find and lock a report's rows;
- `drafts` and `errors`: the plain values handed in and out, and the exceptions raised.

Each class stands over an Engine (or a URL, or DATABASE_URL), every method is its own
transaction and returns detached objects with their reporter, attachments, history and
rating loaded, so callers can read them (or pass them to bot.store.serialize.report_to_dict)
after the session is gone.
"""
