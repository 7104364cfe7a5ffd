"""Rasa input and output channels of the assistant, one a module (named in credentials.yml).

It owns how a user reaches the assistant and proves who they are: REST with attached files
(`rest`), the web widget with its signed sessions, history and inbox (`webchat`), Telegram
through python-telegram-bot (`telegram`, `telegram_polling`, `telegram_limits`), and the
checks of uploaded files (`uploads`). What a channel says itself (a fault, the Telegram
menu) is in the text catalogue (`bot.texts`, `faults.*`, `telegram.*`). It may import
`bot.texts`, `bot.intake`, `bot.store`, `bot.notify.inbox` and `bot.runtime.settings`; the
domain never imports a channel.
"""
