"""`python -m bot.runtime.action_server …`: rasa-sdk's action server, answering only Rasa.

rasa-sdk has no authentication option: whoever reaches its `/webhook` can send any tracker
and have any action run on it (file, cancel or read a report in someone else's name). This
entry point starts the same server (`python -m rasa_sdk`'s arguments) with two guards:

- it listens on 127.0.0.1 unless `ACTIONS_INTERFACE` (or `--interface`) opens it, e.g. to a
  cluster's private network;
- every request but `GET /health` must carry the shared secret (`ACTIONS_SECRET`, see
  bot.runtime.secrets) in the `X-Actions-Secret` header, which the Rasa server sends from
  the `headers:` of its action endpoint; anything else is answered 401 before rasa-sdk
  reads the body. (The endpoint's `token` option is not used: it travels in the URL, and
  URLs land in logs.)

The guard is attached through rasa-sdk's own plugin hook (`attach_sanic_app_extensions`),
which its `run()` calls on the app it builds, so every other behaviour is rasa-sdk's.
"""

from __future__ import annotations

import argparse
import hmac
import os
import sys
from typing import Any

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.secrets import (
    ACTIONS_SECRET_HEADER,
    actions_secret,
    restrict_umask,
)

INTERFACE_ENV = "ACTIONS_INTERFACE"
DEFAULT_INTERFACE = "127.0.0.1"
OPEN_PATHS = frozenset({"/health"})

hookimpl = pluggy.HookimplMarker("rasa_sdk")


def authorised(request: Request, secret: str) -> bool:
    """Whether the request may reach the actions: /health, or the right secret."""
    if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
        return True
    sent = request.headers.get(ACTIONS_SECRET_HEADER, "")
    return hmac.compare_digest(sent.encode(), secret.encode())


class SecretGuard:
    """rasa-sdk plugin: refuses every request without the shared secret with a 401."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the action server needs a non-empty shared secret")
        self.secret = secret

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        attach_guard(app, self.secret)


def attach_guard(app: Sanic, secret: str) -> None:
    """Refuse requests to `app` without `secret` (a middleware that runs before any route)."""

    async def check_secret(request: Request) -> HTTPResponse | None:
        if authorised(request, secret):
            return None
        return response.json(
            {"error": "unauthorised", "detail": f"the {ACTIONS_SECRET_HEADER} header is "
             "missing or wrong"},
            status=401,
        )

    app.register_middleware(check_secret, "request")


def interface(argv: list[str]) -> tuple[str, list[str]]:
    """The address to listen on (`--interface`, else ACTIONS_INTERFACE, else loopback), and
    the arguments left for rasa-sdk."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--interface", default=None)
    known, rest = parser.parse_known_args(argv)
    chosen = known.interface or os.environ.get(INTERFACE_ENV, "").strip() or DEFAULT_INTERFACE
    return chosen, rest


def main(argv: list[str] | None = None) -> Any:
    """Start rasa-sdk's server with the guard; the other arguments are rasa-sdk's."""
    restrict_umask()
    host, rest = interface(sys.argv[1:] if argv is None else argv)
    from rasa_sdk import __main__ as rasa_sdk_main
    from rasa_sdk.plugin import plugin_manager

    from bot.intake.catalogue import use_store
    from bot.runtime import settings

    try:  # the newest imported catalogue (`bot catalogue import`)
        use_store(settings.database_url(), settings.catalogue_refresh_s())
    except ValueError as error:
        sys.exit(str(error))
    plugin_manager().register(SecretGuard(actions_secret()))
    os.environ["SANIC_HOST"] = host  # rasa_sdk.endpoint.run() listens there
    sys.argv = ["rasa_sdk", *rest]
    return rasa_sdk_main.main()


if __name__ == "__main__":
    main()
