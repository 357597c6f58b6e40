"""peacekg: a linked-data knowledge graph of UN peacekeeping built from news articles."""

__version__ = "0.1.0"
