"""Segment stage: line kinds (learned CRF + exact rules), title, publication date, byline/source/dateline, jurisdiction, batch templates."""
