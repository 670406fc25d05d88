"""What every capability builds on and nothing capability-specific: the registries capabilities plug into."""
