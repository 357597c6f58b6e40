"""Draft one article's mapping: read its names, propose its facts, collect the entities they
name that the registry lacks. Pure: reads nothing from disk, writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peacekg.inputs.ontology import Ontology
from peacekg.inputs.reference import OPERATIONS_FILE, load_operations
from peacekg.inputs.registry import Registry
from peacekg.inputs.seeds import Article
from peacekg.mapping.drafts import DRAFT_SUFFIX

from .events import events, hostings
from .figures import figures
from .knowledge import Knowledge, knowledge
from .lexicon import Lexicon, lexicon
from .mentions import mentions, read_names
from .model import Candidate, Proposal
from .people import posts, ranks
from .reading import Reading
from .service import deployments
from .writer import render


@dataclass(frozen=True)
class Draft:
    """One article's proposed facts and entities, and the draft mapping they make."""

    article: Article
    candidates: list[Candidate]
    """Mentions first, then the other facts in the order of the text."""
    proposals: list[Proposal]

    def text(self) -> str:
        """The draft mapping's YAML text."""
        return render(self.article, self.candidates, self.proposals)


@dataclass(frozen=True)
class Drafter:
    """What drafting any article needs: the knowledge and the words of the code lists."""

    known: Knowledge
    lexicon: Lexicon

    def draft(self, article: Article) -> Draft:
        """Read the article's names, then propose its facts, each located and timed."""
        reading = Reading(article, self.known.copy(), self.lexicon)
        read_names(reading)
        served = deployments(reading)
        facts = [
            *ranks(reading),
            *posts(reading),
            *served,
            *figures(reading),
            *events(reading, served),
            *hostings(reading),
        ]
        unique = {(c.type, repr(c.fields), c.start, c.end): c for c in facts}
        candidates = mentions(reading) + sorted(unique.values(), key=lambda c: c.start)
        return Draft(article, candidates, _proposals(reading, candidates))


def _proposals(reading: Reading, candidates: list[Candidate]) -> list[Proposal]:
    """The draft registry: every entity a candidate names that the registry lacks (a group's
    proposed members included)."""
    refs = dict.fromkeys(r for c in candidates for r in c.refs)
    found: dict[str, Proposal] = {}
    for ref in refs:
        proposal = reading.known.entries[ref].proposal if ref in reading.known.entries else None
        if proposal is None:
            continue
        found[ref] = proposal
        for member in proposal.members:
            if (p := reading.known.entries[member].proposal) is not None:
                found[member] = p
    return list(found.values())


def mappings_besides(articles_dir: Path, article_id: str) -> list[Path]:
    """The reviewed mappings of the other articles: what the drafter learns names from."""
    return [
        p
        for p in sorted(articles_dir.glob("*.yaml"))
        if p.name not in (f"{article_id}.yaml", f"{article_id}{DRAFT_SUFFIX}")
        and not p.name.endswith(DRAFT_SUFFIX)
    ]


def drafter(
    registry: Registry, ontology: Ontology, mappings: list[Path], mappings_dir: Path
) -> Drafter:
    """A drafter that knows the registry, what reviewed mappings quote and the UN's operations."""
    operations = load_operations(mappings_dir / OPERATIONS_FILE)
    return Drafter(knowledge(registry, mappings, operations), lexicon(ontology))
