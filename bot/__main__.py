"""`python -m bot …`: the project's CLI (see bot.cli)."""

import sys

from bot.cli import main

sys.exit(main())
