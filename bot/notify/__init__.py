"""Notifications to reporters: delivering the outbox's messages on the reporter's channel.

The outbox table and its queue (enqueue in the transaction of the change, claim under a
lease, record the outcome with retries and backoff) are the store's (`bot.store.outbox`);
a notice's text is the text catalogue's (`bot.texts.notices`). Here:

* `senders.py` — one sender per channel (Telegram Bot API, web inbox, REST callback, call
  centre).
* `dispatcher.py` — deliver the due messages once.
* `contact.py` — SMS and e-mail (one-time codes) through their senders; the messages'
  table is the store's (`bot.store.contact_messages`).
* `relay.py` — a chat message pushed to a conversation at once, outside a turn (an agent's line).

The web widget's inbox is the store's too (`bot.store.inbox`). Nothing here talks SQL.

The timed rules that queue notices (48-hour missing-data cancellation, reminders, delay
notice, survey) are in bot/runtime/jobs.py.
"""
