"""The four stages, one package each, with the data files each reads in its ``resources/``:
segment (line kinds, title, publication date, article fields), dates, quantities, names."""
