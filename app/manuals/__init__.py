"""Citizen manuals and their two-step approval, processes, other services and the service catalogue."""
