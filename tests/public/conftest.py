"""Fixtures of the public front's tests."""

from __future__ import annotations

import pytest

from tests.public.helpers import Government


@pytest.fixture
def gov(app):
    return Government()
