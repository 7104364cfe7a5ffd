"""Notifications to reporters: delivering the outbox's messages on the reporter's channel.

The outbox table and its queue (enqueue in the transaction of the change, claim under a
lease, record the outcome with retries and backoff) are the store's (`bot.store.outbox`);
a notice's text is the text catalogue's (`bot.texts.notices`). Here:

* `senders.py` — one sender per channel (Telegram Bot API, web inbox, REST callback, call
  centre).
* `dispatcher.py` — deliver the due messages once.
* `relay.py`, `contact.py` — the relays to a person's contact details.
* `inbox.py` — the web widget's side of the web inbox.

The timed rules that queue notices (48-hour missing-data cancellation, reminders, delay
notice, survey) are in bot/runtime/jobs.py.
"""
