"""Fixtures for every people test: private files in a temporary folder, English messages."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded rosters and progress files go to a temporary directory, not the data directory."""
    settings.DATA_DIR = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}}}


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English messages, whatever translations exist."""
    with translation.override("en"):
        yield
