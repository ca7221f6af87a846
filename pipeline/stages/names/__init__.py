"""Names stage: AGENCY and PROGRAMME spans (rules, gazetteer, optional NER), acronyms, canonical keys (linking)."""
