"""Serving the graph: the served release, query workers, formats, the SPARQL server."""
