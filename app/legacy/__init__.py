"""Data from the legacy systems: agencies, service points, processes, manuals and links."""
