"""A test-only capability, plugged in with ``EXTRA_CAPABILITIES``: it shows that a process needs its diagram
(tests/bpmn/sample_permit.bpmn), its package and its templates, and no edit to a shared list."""
