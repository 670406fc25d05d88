"""Business operations, one module per domain. They flush and never commit."""
