"""Summary reports: every capability's figures, scoped by the policy, with charts, drill-down and exports."""
