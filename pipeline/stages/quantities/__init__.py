"""Quantities stage: numbers (numerals), units (units, pint) and the spans that tie them together (extractor)."""
