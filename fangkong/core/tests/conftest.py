"""Fixtures for the security-mechanism tests."""

import pytest

from fangkong.core import crypto


@pytest.fixture
def tmp_keyring(settings, tmp_path):
    """A fresh key file in a temporary directory, so tests never touch var/keys.json."""
    settings.FANGKONG_KEYS = None
    settings.FANGKONG_KEY_FILE = tmp_path / "keys" / "keys.json"
    crypto.reset_keyring_cache()
    yield settings.FANGKONG_KEY_FILE
    # Back to the project's keyring for the tests that follow.
    crypto.reset_keyring_cache()
