"""The e-GP help desk and IR Online: problem reports, their triage, answers and service levels."""
