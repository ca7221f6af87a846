"""Dates stage: TIMEX3 spans found by rules (extractor) and resolved against the publication-date anchor (timex)."""
