"""Write accepted Wikidata links into mappings/registry.yaml without disturbing anything else.

The registry is curated by hand, with comments and a deliberate order, so it is edited as text:
each link becomes a `wikidata:` block appended to its entity's entry. Before the file is
replaced (atomically), the edited text is loaded as a registry and must carry exactly the new
links, so a bad edit can never reach the build.

Not ruamel.yaml's round trip: it keeps comments, but attaches the comments and blank lines
that follow an entry to that entry's last value, so a key appended to the entry would land
below them, under the heading comment of the next entry or section.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from peacekg.config import Settings
from peacekg.files import write_atomically
from peacekg.inputs.ontology import load_ontology
from peacekg.inputs.registry import REGISTRY_FILE, WikidataLink, load_registry
from peacekg.namespaces import Namespaces


def add_links(settings: Settings, links: Mapping[str, WikidataLink]) -> Path:
    """Append a `wikidata:` block to each entity's entry; return the registry's path."""
    ns = Namespaces(settings.base_iri)
    ontology = load_ontology(settings.ontology_dir, ns)
    registry = load_registry(settings.mappings_dir, ns, ontology, settings.root)
    lines = registry.path.read_text(encoding="utf-8").splitlines(keepends=True)
    entries = [(registry.resolve(ref), link) for ref, link in links.items()]
    for entity, link in sorted(entries, key=lambda e: e[0].node.line, reverse=True):
        if entity.wikidata is not None:
            raise ValueError(f"{entity.ref} is already linked to {entity.wikidata.qid}")
        end, indent = _entry_end(lines, entity.node.line)
        lines[end:end] = wikidata_block(link, indent)
    text = "".join(lines)
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / REGISTRY_FILE).write_text(text, encoding="utf-8")
        edited = load_registry(Path(scratch), ns, ontology, settings.root)
    for entity, link in entries:
        written = edited.entities[entity.ref].wikidata
        if written is None or written.qid != link.qid:
            raise RuntimeError(f"editing {registry.path} lost the link of {entity.ref}")
    write_atomically(registry.path, text)
    return registry.path


def wikidata_block(link: WikidataLink, indent: int) -> list[str]:
    """The YAML lines of one `wikidata:` block at the entry's key indentation."""
    pad = " " * indent
    lines = [
        f"{pad}wikidata:\n",
        f"{pad}  qid: {_scalar(link.qid)}\n",
        f"{pad}  status: {_scalar(link.status)}\n",
        f"{pad}  sources:\n",
    ]
    for source in link.sources:
        lines.append(f"{pad}    - document: {_scalar(source.document)}\n")
        lines.append(f"{pad}      matched: {_scalar(source.matched)}\n")
        if source.url:
            lines.append(f"{pad}      url: {_scalar(source.url)}\n")
    lines.append(f"{pad}  checked: {link.checked.isoformat()}\n")
    if link.note:
        lines.append(f"{pad}  note: {_scalar(link.note)}\n")
    return lines


def _scalar(value: str) -> str:
    """The text plain if YAML reads it back as the same text, else double-quoted."""
    try:
        plain = yaml.safe_load(f"k: {value}")
    except yaml.YAMLError:
        plain = None
    if isinstance(plain, dict) and plain.get("k") == value:
        return value
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1 << 16).strip()


def _entry_end(lines: list[str], first_line: int) -> tuple[int, int]:
    """Index after the entry's last line that starts at 1-based `first_line`, and its key indent."""
    first = lines[first_line - 1]
    indent = len(first) - len(first.lstrip(" -"))
    end = first_line
    for index in range(first_line, len(lines)):
        text = lines[index]
        if text.strip() and len(text) - len(text.lstrip(" ")) < indent:
            break
        if text.strip():
            end = index + 1
    return end, indent
