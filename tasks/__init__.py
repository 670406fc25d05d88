"""Scheduled jobs (timers, outbox) and the scheduler that runs them."""
