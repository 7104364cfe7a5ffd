"""Everything about processes: how the assistant's servers start and what guards them.

It owns process start-up details that are not the domain's business: the action server's
entry point with its shared-secret check (`action_server`), and the secrets and file modes
every process shares (`secrets`). It may import `bot.settings` and third-party server
libraries (Rasa, rasa-sdk, Sanic); nothing in `bot/intake`, `bot/store` or the channels
imports it.
"""
