"""`peacekg publish`: push a finished release, graph by graph, to another SPARQL store.

A stage after `releases`: it reads releases only (never the build or the endpoint), so a
release can be published from any machine that has the build directory.
"""
