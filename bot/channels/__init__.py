"""Rasa input and output channels of the assistant, one a module (named in credentials.yml).

It owns how a user reaches the assistant and proves who they are: REST with attached files
(`rest`), the web widget with its signed sessions, history and inbox (`webchat`), Telegram
(`telegram`: the Rasa channel, its webhook and per-chat queues; `telegram_api`: the Bot API
client through python-telegram-bot, without Rasa, with Telegram's rules in `telegram_text`
and its rate limits in `telegram_limits`; `telegram_polling`: the long-polling bridge), and
the checks of uploaded files (`uploads`). What a channel says itself (a fault, the Telegram
menu) is in the text catalogue (`bot.texts`, `faults.*`, `telegram.*`). It may import
`bot.texts`, `bot.intake`, `bot.store`, `bot.store.inbox` and `bot.runtime.settings`; the
domain never imports a channel.
"""
