"""`python -m bot.runtime.rasa_server run …`: Rasa's own command line, with
bot/runtime/rasa_tuning.py applied, and TensorFlow kept out of the process when the model
needs none (bot/runtime/no_tensorflow.py).

`python -m bot serve` starts the Rasa server this way; the arguments are those of
`python -m rasa`. BALAGH_RASA_TUNING=none gives stock Rasa (for comparisons).

Rasa takes its HTTP API token only as `--auth-token` on its command line, where `ps` shows it
to every local user. Here the token comes from `RASA_TOKEN` in the environment (or
`RASA_TOKEN_FILE`, a file holding it) and is added to Rasa's arguments inside this process,
after it started: the process's command line, as the kernel shows it, never holds it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.runtime import no_tensorflow, rasa_tuning, settings
from bot.runtime.secrets import restrict_umask

TOKEN_OPTION = "--auth-token"


def token_from_environment() -> str | None:
    """`RASA_TOKEN`, else the content of the file named by `RASA_TOKEN_FILE`, else None."""
    token = (os.environ.get("RASA_TOKEN") or "").strip()
    if token:
        return token
    path = (os.environ.get("RASA_TOKEN_FILE") or "").strip()
    return Path(path).read_text(encoding="utf-8").strip() or None if path else None


def with_token(argv: list[str], token: str | None) -> list[str]:
    """Rasa's arguments with `--auth-token` added for `run` (not when one is given)."""
    if not token or "run" not in argv[1:2] or any(
        arg == TOKEN_OPTION or arg.startswith(TOKEN_OPTION + "=") for arg in argv
    ):
        return argv
    return [*argv, TOKEN_OPTION, token]


def endpoints_argument(argv: list[str]) -> Path:
    """The endpoints file `rasa run` reads: `--endpoints PATH`, else Rasa's default."""
    for at, arg in enumerate(argv):
        if arg == "--endpoints" and at + 1 < len(argv):
            return Path(argv[at + 1])
        if arg.startswith("--endpoints="):
            return Path(arg.split("=", 1)[1])
    return Path("endpoints.yml")


def runs_actions_itself(argv: list[str]) -> bool:
    """Whether Rasa's action endpoint is the in-process one (settings.IN_PROCESS_ACTIONS_URL,
    which `bot serve` writes unless it starts an action server). The endpoints file decides,
    not the environment, so that a Rasa server given a real action server always calls it."""
    import yaml

    try:
        endpoints = yaml.safe_load(endpoints_argument(argv).read_text(encoding="utf-8")) or {}
    except (FileNotFoundError, IsADirectoryError):
        return False
    action = endpoints.get("action_endpoint") if isinstance(endpoints, dict) else None
    return isinstance(action, dict) and action.get("url") == settings.IN_PROCESS_ACTIONS_URL


def tuning_names(argv: list[str]) -> list[str]:
    """The changes of bot/runtime/rasa_tuning.py to apply: BALAGH_RASA_TUNING's, and
    `inprocess` for a `run` whose action endpoint is the in-process one."""
    names = rasa_tuning.wanted(os.environ.get(rasa_tuning.ENVIRONMENT))
    if argv[:1] == ["run"] and runs_actions_itself(argv) and "inprocess" not in names:
        names.append("inprocess")
    return names


def main() -> None:
    restrict_umask()
    try:
        # before anything imports Rasa (and with it TensorFlow)
        _, tensorflow = no_tensorflow.keep_out_if_unneeded(
            no_tensorflow.model_argument(sys.argv[1:]) if sys.argv[1:2] == ["run"] else None
        )
        applied = rasa_tuning.apply(tuning_names(sys.argv[1:]))
        # the actions run here by default: they match against the newest imported catalogue
        refresh_s = settings.catalogue_refresh_s()
    except (ValueError, rasa_tuning.RasaChanged) as error:  # refuse to start
        sys.exit(str(error))
    from rasa.__main__ import main as rasa_main

    from bot.intake.catalogue import use_store

    use_store(settings.database_url(), refresh_s)

    print(f"Rasa tuning ({rasa_tuning.ENVIRONMENT}): {', '.join(applied) or 'none'}; "
          f"TensorFlow ({no_tensorflow.ENVIRONMENT}): {tensorflow}", file=sys.stderr, flush=True)
    sys.argv = with_token(["rasa", *sys.argv[1:]], token_from_environment())
    rasa_main()


if __name__ == "__main__":
    main()
