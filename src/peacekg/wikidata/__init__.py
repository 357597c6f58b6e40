"""Links to Wikidata that are never guessed: propose candidates, re-check links, over the network.

Nothing in this package runs during `peacekg build`: the build only reads the links already
written in mappings/registry.yaml. `peacekg wikidata resolve` and `peacekg wikidata check` ask
Wikidata on machines with network access; see docs/wikidata.md for the policy they enforce.
"""
