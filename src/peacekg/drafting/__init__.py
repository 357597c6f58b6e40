"""Drafting: new articles, their metadata and their mappings proposed for a person to review.

A stage of its own because of what it writes: inputs (a seed and its entry in
seeds/articles.yaml, draft mappings), never the graph. It reads the inputs and mapping stages
(the seeds, the registry, the reference list of UN operations, the mapping format) and nothing
downstream (build, releases, endpoint, web, publish), so a draft cannot depend on a built graph.
"""
