"""Screening: project input, the rule set, the plan, evaluation and storage of a siting screening."""
