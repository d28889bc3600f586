"""The audit log: who changed what, when, from where, tamper-evident (issue 20)."""
