"""Blueprints, one per area; thin: parse → service → render, one commit per request."""
