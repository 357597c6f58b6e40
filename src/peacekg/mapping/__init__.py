"""From mappings to RDF: each article's facts as claims with their quotes and times."""
