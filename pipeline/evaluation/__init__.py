"""Scoring of records against gold annotations, and the report tables."""
