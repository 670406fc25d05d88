"""What the legacy import plugs in: ``flask import legacy``."""

from __future__ import annotations

from app.core.capabilities import Capability
from app.legacy.commands import import_cli

CAPABILITY = Capability(name="legacy", commands=(import_cli,))
