"""Rasa input channels of the assistant (wired in through credentials.yml)."""
