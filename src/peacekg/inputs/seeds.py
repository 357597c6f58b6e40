"""The seed articles: their exact text and the metadata read off it (seeds/articles.yaml)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from peacekg.errors import InputError
from peacekg.inputs.fields import Fields
from peacekg.inputs.located import Located, load_yaml

ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
METADATA_FILE = "articles.yaml"
URL = re.compile(r"https?://\S+")
DRAFT = "draft"
"""`review: draft` marks an entry `peacekg add` drafted that no person has checked yet."""


@dataclass(frozen=True)
class Bounds:
    not_before: dt.date
    not_after: dt.date
    reasoning: str


@dataclass(frozen=True)
class Article:
    """One article: its id, exact text, and what its text says about itself."""

    id: str
    path: Path
    text: str
    sha256: str
    title: str
    language: str
    published: dt.date | None
    bounds: Bounds | None
    modified: dt.date | None
    publisher: str | None
    source: str | None
    author: str | None
    """A registry reference (person/...), resolved when the dataset is assembled."""
    dateline: str | None
    line: int
    metadata_path: Path


def _date(fields: Fields, key: str) -> dt.date | None:
    value = fields.raw(key, required=False)
    if value is None or value == "unknown":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise fields.error(
        f"field '{key}' must be an ISO date (YYYY-MM-DD) or 'unknown', got {value!r}"
    )


def _optional_text(fields: Fields, key: str) -> str | None:
    value = fields.text(key, required=False)
    return None if value == "unknown" else value


def _evidence(fields: Fields, key: str, text: str) -> None:
    """Metadata read off the article must be backed by a line of it, like any other fact."""
    quote = fields.text(key, required=False)
    if quote is not None and quote not in text:
        raise fields.error(f"{key} {quote!r} is not in the article text")


def _text(f: Fields, seeds_dir: Path) -> tuple[Path, bytes, str]:
    """The article's file, its bytes (for the checksum) and its text, which must be UTF-8."""
    file_name = f.text("file")
    assert file_name is not None
    path = seeds_dir / file_name
    if not path.is_file():
        raise f.error(f"article file {file_name!r} not found in {seeds_dir}")
    data = path.read_bytes()
    try:
        return path, data, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise f.error(f"{file_name} is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _bounds(f: Fields) -> Bounds:
    """When an undated article was published at the earliest and latest, and why."""
    b = Fields(f.raw("bounds"), f"{f.what} bounds", f.node)
    not_before, not_after = _date(b, "not_before"), _date(b, "not_after")
    if not_before is None or not_after is None:
        raise b.error("an undated article needs both not_before and not_after")
    if not_before > not_after:
        raise b.error(f"not_before {not_before} is after not_after {not_after}")
    reasons = [b.text("not_before_reason"), b.text("not_after_reason")]
    b.finish()
    return Bounds(not_before, not_after, " ".join(r for r in reasons if r))


def _drafting_fields(f: Fields) -> None:
    """What `peacekg add` writes beside the metadata: where the text was read (`url`), a
    byline's name the registry lacks (`author_name`, kept until someone adds the person) and
    `review: draft`. A drafted entry builds like a reviewed one, since every value it states is
    checked the same way (evidence in the text, dates that parse); the mark only tells a
    reviewer what is left to check, so the build reads none of the three into the graph."""
    f.text("author_name", required=False)
    review = f.text("review", required=False)
    if review is not None and review != DRAFT:
        raise f.error(f"field 'review' can only be {DRAFT!r} (delete it once reviewed)")
    url = f.text("url", required=False)
    if url is not None and not URL.fullmatch(url):
        raise f.error(f"field 'url' must be an http:// or https:// address, got {url!r}")


def _article(node: object, seeds_dir: Path, parent: Located) -> Article:
    f = Fields(node, "article metadata", parent)
    article_id = f.text("id")
    assert article_id is not None
    if not ARTICLE_ID.match(article_id):
        raise f.error(f"article id {article_id!r} must be lower-case letters, digits and '-'")
    f.what = f"article {article_id}"
    path, data, text = _text(f, seeds_dir)
    f.text("original_file", required=False)
    published = _date(f, "published")
    bounds = _bounds(f) if published is None else None
    for name in ("published", "modified", "source", "publisher", "author", "dateline"):
        _evidence(f, f"{name}_evidence", text)
    article = Article(
        id=article_id,
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=f.text("title") or "",
        language=f.text("language") or "",
        published=published,
        bounds=bounds,
        modified=_date(f, "modified"),
        publisher=_optional_text(f, "publisher"),
        source=_optional_text(f, "source"),
        author=_optional_text(f, "author"),
        dateline=_optional_text(f, "dateline"),
        line=f.node.line,
        metadata_path=f.node.path,
    )
    for extra in ("reported_via", "photo_credit"):
        f.text(extra, required=False)
    _drafting_fields(f)
    f.finish()
    if article.title not in text:
        raise f.error(f"title {article.title!r} is not in the article text")
    return article


def load_articles(seeds_dir: Path, cache: Path | None = None) -> dict[str, Article]:
    """All articles listed in seeds/articles.yaml, keyed by id, checked against their text
    (its parse cached in `cache`, if given: see `load_yaml`)."""
    path = seeds_dir / METADATA_FILE
    entries = load_yaml(path, cache)
    if entries is None:  # comments only: a project with no article yet, as `peacekg add` meets
        entries = []
    if not isinstance(entries, list):
        raise InputError(path, 1, "expected a list of articles")
    articles: dict[str, Article] = {}
    anchor = Located()
    anchor.path, anchor.line = path, 1
    for entry in entries:
        article = _article(entry, seeds_dir, anchor)
        if article.id in articles:
            raise InputError(path, article.line, f"duplicate article id {article.id!r}")
        articles[article.id] = article
    return articles
