"""Rasa action server: thin adapters over bot.* (run: python -m rasa_sdk --actions actions)."""
