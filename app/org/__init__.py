"""Agencies and structure, the services they link, and the government's working calendar."""
