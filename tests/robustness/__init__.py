"""Robustness suite: hostile inputs, faults, secrets, soak and fuzzing (issue 7)."""
