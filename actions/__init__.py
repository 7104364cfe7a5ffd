"""Rasa action server: thin adapters over bot.* (run: python -m rasa_sdk --actions actions)."""

import logging

# The intake forms validate most slots in their extraction step (actions/forms.py), so the
# SDK's "Skipping validation for `<slot>`" warning would fire on nearly every answer.
logging.getLogger("rasa_sdk.forms").setLevel(logging.ERROR)
