"""`python -m bot.rasa_server run …`: Rasa's own command line, with bot/rasa_tuning.py applied.

`python -m bot serve` starts the Rasa server this way; the arguments are those of
`python -m rasa`. BALAGH_RASA_TUNING=none gives stock Rasa (for comparisons).
"""

from __future__ import annotations

import sys

from bot import rasa_tuning


def main() -> None:
    try:
        applied = rasa_tuning.apply()
    except ValueError as error:
        sys.exit(str(error))
    from rasa.__main__ import main as rasa_main

    print(f"Rasa tuning ({rasa_tuning.ENVIRONMENT}): {', '.join(applied) or 'none'}",
          file=sys.stderr, flush=True)
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
