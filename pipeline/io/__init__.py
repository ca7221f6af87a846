"""Input and output: readers of corpora/feeds/HTML, the record writer and schema, the database and DataFrames."""
