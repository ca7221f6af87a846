"""Quantities stage: numbers found in a line (finder, filters), their values (values, numerals),
units and money (resolve, units, currency), what surrounds them (attach, ranges), the rule ids they
carry (provenance); the spaCy component is ``extractor.make_quantities``. Data in resources/."""
