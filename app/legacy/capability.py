"""What the legacy import plugs in: ``flask import legacy``."""

from __future__ import annotations

from app.cli import import_cli
from app.core.capabilities import Capability

CAPABILITY = Capability(name="legacy", commands=(import_cli,))
