"""Reading the inputs: YAML that remembers its lines, seeds, the registry, the ontology."""
