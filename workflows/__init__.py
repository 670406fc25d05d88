"""The workflow engine, its operations registry, expressions, calendar and BPMN diagrams."""

from pathlib import Path

BPMN_DIR = Path(__file__).resolve().parent
