"""How to cite what a page shows: the dataset at a release, or one resource (a claim with its
article and quote), as BibTeX and CSL-JSON, for the "Cite" box (templates/cite.html).

A citation names the release, so that what was seen can be fetched again from that release's
dumps after later builds, and the date it was accessed (today, UTC: pages carry the date in their
ETag, so a cached page never shows yesterday's).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from flask import request

from peacekg.endpoint.served import GraphSource
from peacekg.releases import NoGraphError, Release
from peacekg.web.state import state

TITLE = "peacekg: UN peacekeeping claims from news articles"
AUTHOR = "peacekg developers"
BIBTEX_SPECIAL = re.compile(r"[\\{}%&#_$~^]")
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Citation:
    """One thing to cite: its title and URL, the release it is from, and when it was seen."""

    title: str
    url: str
    release: Release | None
    accessed: dt.date
    note: str = ""
    """What the item is, beyond the dataset: for a claim, its article and its quote."""
    part_of: str = ""
    """The dataset an item is part of (for a resource; empty for the dataset itself)."""
    kind: str = "dataset"
    """What is cited, in words: dataset, claim, article or resource."""

    @property
    def key(self) -> str:
        release = self.release.id if self.release else "unreleased"
        item = self.url.rstrip("/").rsplit("/", 1)[-1] if self.part_of else ""
        return re.sub(r"\W+", "_", "_".join(filter(None, ("peacekg", item, release))))

    @property
    def issued(self) -> dt.date:
        issued = self.release.issued[:10] if self.release else ""
        return dt.date.fromisoformat(issued) if issued else self.accessed

    def notes(self) -> str:
        parts = [self.note] if self.note else []
        if self.release:
            parts.append(f"Release {self.release.id} (version {self.release.version})")
        return "; ".join(parts)

    def bibtex(self) -> str:
        fields = {
            "title": "{" + _bibtex_text(self.title) + "}",
            "author": "{" + AUTHOR + "}",
            "howpublished": _bibtex_text(self.part_of) if self.part_of else "",
            "publisher": AUTHOR,
            "year": str(self.issued.year),
            "version": self.release.version if self.release else "",
            "url": self.url,
            "urldate": self.accessed.isoformat(),
            "note": _bibtex_text(self.notes()),
        }
        lines = [f"  {name:<12} = {{{value}}}," for name, value in fields.items() if value]
        return "\n".join([f"@misc{{{self.key},", *lines, "}"])

    def csl_json(self) -> str:
        item: dict[str, object] = {
            "id": self.key,
            "type": "dataset",
            "title": self.title,
            "author": [{"literal": AUTHOR}],
            "publisher": AUTHOR,
            "issued": _date_parts(self.issued),
            "accessed": _date_parts(self.accessed),
            "URL": self.url,
        }
        if self.part_of:
            item["container-title"] = self.part_of
        if self.release:
            item["version"] = self.release.version
        if notes := self.notes():
            item["note"] = notes
        fields = (
            f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items()
        )
        return "[\n  {\n" + ",\n".join(fields) + "\n  }\n]"  # one field a line, dates whole


def _bibtex_text(text: str) -> str:
    """Text with BibTeX's special characters escaped, so that quotes cite as written."""
    return BIBTEX_SPECIAL.sub(lambda m: BIBTEX_ESCAPES.get(m[0], "\\" + m[0]), text)


def _date_parts(day: dt.date) -> dict[str, list[list[int]]]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def served_release(source: GraphSource) -> Release | None:
    """The release being served, or None (files given with --data, or no graph built yet)."""
    try:
        served = source.release()
    except NoGraphError:
        return None
    return source.find(served) if served else None


def release_citation(release: Release | None) -> Citation:
    """The dataset at a release: its URL is the release's dumps, which stay downloadable."""
    url = request.host_url + (f"dumps/{release.id}/" if release else "")
    return Citation(TITLE, url, release, today())


def resource_citation(iri: str, label: str, evidence: list[dict[str, str]]) -> Citation:
    """One resource of the served release, by its IRI; a claim also by its article and quote."""
    quoted = [row for row in evidence if row.get("claim") == iri and row.get("exact")]
    note = ""
    if quoted:
        row = quoted[0]
        note = f"From “{row.get('title', '')}” ({row.get('article', '')}): “{row['exact']}”"
    release = served_release(state().source)
    ids = state().namespaces.base + "id/"
    kind = next((k for k in ("claim", "article") if iri.startswith(f"{ids}{k}/")), "resource")
    return Citation(label, iri, release, today(), note=note, part_of=TITLE, kind=kind)
