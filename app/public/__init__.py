"""The public site: search of published manuals, service points, the delay-status page."""
