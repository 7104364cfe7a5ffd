"""Notifications to reporters: the outbox table and its senders.

* `messages.py` — a notice's text in the reporter's language, its sentences taken from the
  text catalogue (bot.texts, keys `notify.*`) and its values isolated (pure).
* `outbox.py` — enqueue (in the transaction of the change), claim under a lease, record the
  outcome with retries and backoff.
* `senders.py` — one sender per channel (Telegram Bot API, web inbox, REST callback, call
  centre).
* `dispatcher.py` — deliver the due messages once.
* `inbox.py` — the web widget's side of the web inbox.

The timed rules that queue notices (48-hour missing-data cancellation, reminders, delay
notice, survey) are in bot/runtime/jobs.py.
"""
