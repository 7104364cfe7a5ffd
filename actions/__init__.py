"""Rasa action server: thin adapters over bot.* (run: python -m rasa_sdk --actions actions).

The actions say the domain's responses (domain.yml) by name; a text they build in code (a
button's title) comes from the text catalogue, `bot.texts`.
"""

import logging

# The intake forms validate most slots in their extraction step (actions/forms.py), so the
# SDK's "Skipping validation for `<slot>`" warning would fire on nearly every answer.
logging.getLogger("rasa_sdk.forms").setLevel(logging.ERROR)
