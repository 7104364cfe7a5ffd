"""The channel tests' own store per test (tests/unit/channels/conftest.py), for the live ones."""

from tests.unit.channels.conftest import migrated_store, own_store  # noqa: F401
