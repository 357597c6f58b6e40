"""`peacekg add FILE`: a new article copied into seeds/, its metadata drafted for review.

The text is copied byte for byte (quotes are checked against those bytes), and its entry is
appended to seeds/articles.yaml as text, so that the file's comments and the entries before it
stay exactly as they were. Every drafted value names the line it was read from: `*_evidence`
quotes its words (the build checks they are in the text) and a `# line N` comment its line.
The entry says `review: draft` until a person has checked it. Bad input changes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from peacekg.config import Settings
from peacekg.errors import InputError
from peacekg.files import write_atomically
from peacekg.inputs.located import load_mapping
from peacekg.inputs.registry import REGISTRY_FILE
from peacekg.inputs.seeds import ARTICLE_ID, DRAFT, METADATA_FILE, URL, Article, load_articles

from .ids import ARTICLE_ID_WORDS, slug
from .metadata import Metadata, draft_metadata
from .page import Stated
from .project import ARTICLE_MAPPINGS, mapping_path
from .publication import earliest
from .yamltext import scalar


@dataclass(frozen=True)
class Added:
    """What `peacekg add` did: the new id, the copy, where its entry starts, what was drafted."""

    article_id: str
    path: Path
    """The copy in seeds/."""
    line: int
    """Where its entry starts in seeds/articles.yaml."""
    metadata: Metadata


def _read(path: Path) -> tuple[bytes, str]:
    """The file's bytes and its text; an error unless it is non-empty UTF-8 text."""
    if not path.is_file():
        raise InputError(path, None, "not a file" if path.exists() else "no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path,
            line,
            f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 and add it again",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(path, line, "not text: it holds NUL bytes (a binary file?)")
    if not text.strip():
        raise InputError(
            path, None, "the file is empty" if not text else "the file holds only blanks"
        )
    return data, text


def _check_not_in_seeds(data: bytes, seeds_dir: Path, articles: dict[str, Article]) -> None:
    """The same bytes must not be added twice, whatever the file is called."""
    digest = hashlib.sha256(data).hexdigest()
    for article in articles.values():
        if article.sha256 == digest:
            raise InputError(
                article.metadata_path,
                article.line,
                f"this text is already in seeds/ as article {article.id} ({article.path.name})",
            )
    listed = {article.path.name for article in articles.values()}
    for path in sorted(seeds_dir.iterdir()):
        if path.name not in listed and path.is_file() and path.read_bytes() == data:
            raise InputError(
                path, None, "this text is already in seeds/ (not yet in articles.yaml)"
            )


def _article_id(metadata: Metadata, given: str | None, digest: str) -> str:
    """The given id, else the publication date (or the one year the bounds allow, or
    "undated") and the headline's first words."""
    if given is not None:
        if not ARTICLE_ID.match(given):
            raise ValueError(f"--id {given!r} must be lower-case letters, digits and '-'")
        return given
    words = slug(metadata.title.value, ARTICLE_ID_WORDS) or f"article-{digest[:8]}"
    when = metadata.when
    if when.published:
        return f"{when.published.value.isoformat()}-{words}"
    assert when.not_before and when.not_after
    if when.not_before.date.year == when.not_after.date.year:
        return f"{when.not_before.date.year}-{words}"
    return f"undated-{words}"


def _check_id_is_new(
    article_id: str, settings: Settings, articles: dict[str, Article], file_name: str
) -> None:
    """The id must be free wherever an article is named by it: seeds/articles.yaml, the
    copy in seeds/, its mapping."""
    if existing := articles.get(article_id):
        raise InputError(
            existing.metadata_path,
            existing.line,
            f"article id {article_id!r} exists; give the new article another with --id",
        )
    for taken in (settings.seeds_dir / file_name, mapping_path(settings, article_id)):
        if taken.exists():
            raise InputError(taken, None, "exists already; give the new article another id (--id)")


def _author_ref(settings: Settings, name: str) -> str | None:
    """The registry's person whose label (or other label) is the byline's name."""
    registry = load_mapping(settings.mappings_dir / REGISTRY_FILE, "the registry")
    for person in registry.get("persons") or []:
        labels = [person.get("label"), *(person.get("alt_labels") or [])]
        if any(isinstance(label, str) and label.casefold() == name.casefold() for label in labels):
            return f"person/{person['id']}"
    return None


def _stated(
    key: str, stated: Stated[str] | Stated[dt.date] | None, missing: str = "null"
) -> list[str]:
    """`key: value  # line N` and `key_evidence: "…"`, or the missing value when unstated."""
    if stated is None:
        return [f"  {key}: {missing}  # not found in the text"]
    return [
        f"  {key}: {scalar(stated.value, 'plain')}  # line {stated.line}",
        f"  {key}_evidence: {scalar(stated.evidence, 'quoted')}",
    ]


def _author(author: Stated[str] | None, ref: str | None) -> list[str]:
    """`author` is a registry reference; a byline naming someone the registry lacks keeps the
    name in `author_name` until a person adds them."""
    if author is None:
        return _stated("author", None)
    evidence = f"  author_evidence: {scalar(author.evidence, 'quoted')}"
    if ref:
        return [f"  author: {ref}  # line {author.line}", evidence]
    return [
        f"  author: null  # {author.value} is not in mappings/{REGISTRY_FILE}: add the person "
        "there and refer to it here",
        f"  author_name: {scalar(author.value, 'plain')}  # line {author.line}",
        evidence,
    ]


def _entry(
    article_id: str,
    file_name: str,
    original: str,
    metadata: Metadata,
    url: str | None,
    publisher: str | None,
    author_ref: str | None,
    today: dt.date,
) -> str:
    """The article's entry in seeds/articles.yaml, in the format of the reviewed ones."""
    m = metadata
    out = [
        f"- id: {article_id}",
        f"  review: {DRAFT}  # drafted by peacekg add on {today.isoformat()}; delete this line "
        "once every value is checked against its line",
        f"  file: {scalar(file_name, 'plain')}",
        f"  original_file: {scalar(original, 'plain')}",
    ]
    if url:
        out.append(f"  url: {scalar(url, 'plain')}  # given with --url")
    out.append(f"  title: {scalar(m.title.value, 'plain')}  # line {m.title.line}")
    if publisher:
        out.append(f"  publisher: {scalar(publisher, 'plain')}  # given with --publisher")
    else:
        out += _stated("publisher", m.publisher, missing="unknown")
    out += _stated("source", m.source)
    when = m.when
    if when.published:
        out += _stated("published", when.published)
    else:
        assert when.not_before and when.not_after
        out += [
            "  published: unknown  # no publication date printed; bounds: what the text allows",
            "  bounds:",
            f"    not_before: {when.not_before.date.isoformat()}",
            f"    not_before_reason: {scalar(when.not_before.reason, 'quoted')}",
            f"    not_after: {when.not_after.date.isoformat()}",
            f"    not_after_reason: {scalar(when.not_after.reason, 'quoted')}",
        ]
    if when.modified:
        out += _stated("modified", when.modified)
    out += _author(m.author, author_ref)
    out += _stated("dateline", m.dateline)
    out.append(f"  language: {m.language}  # from the words of the whole text")
    return "\n".join(out) + "\n"


def add_article(
    settings: Settings,
    source: Path,
    *,
    url: str | None = None,
    publisher: str | None = None,
    article_id: str | None = None,
    today: dt.date,
) -> Added:
    """Copy `source` into seeds/ and append its drafted entry to seeds/articles.yaml, or raise
    (InputError, ValueError) having changed nothing."""
    if url is not None and not URL.fullmatch(url):
        raise ValueError(f"--url {url!r} must be an http:// or https:// address")
    data, text = _read(source)
    articles = load_articles(settings.seeds_dir)
    _check_not_in_seeds(data, settings.seeds_dir, articles)
    metadata = draft_metadata(text, today, earliest(settings.mappings_dir))
    new_id = _article_id(metadata, article_id, hashlib.sha256(data).hexdigest())
    file_name = f"{new_id}.txt"
    _check_id_is_new(new_id, settings, articles, file_name)
    author_ref = _author_ref(settings, metadata.author.value) if metadata.author else None
    entry = _entry(new_id, file_name, source.name, metadata, url, publisher, author_ref, today)
    line = _write(settings, file_name, data, entry)
    return Added(new_id, settings.seeds_dir / file_name, line, metadata)


def _write(settings: Settings, file_name: str, data: bytes, entry: str) -> int:
    """Write the copy and append the entry (returning the line it starts on), then load the
    metadata as the build does; if it does not load, put everything back as it was."""
    listing = settings.seeds_dir / METADATA_FILE
    before = listing.read_bytes()
    old = before.decode("utf-8")
    separator = "" if not old else "\n" if old.endswith("\n") else "\n\n"
    line = (old + separator).count("\n") + 1
    copy = settings.seeds_dir / file_name
    with copy.open("xb") as out:
        out.write(data)
    try:
        write_atomically(listing, old + separator + entry)
        load_articles(settings.seeds_dir)
    except BaseException:
        write_atomically(listing, before)
        copy.unlink()
        raise
    return line


def _run(args: argparse.Namespace, settings: Settings) -> int:
    added = add_article(
        settings,
        args.file,
        url=args.url,
        publisher=args.publisher,
        article_id=args.id,
        today=dt.date.today(),
    )
    m, dated = added.metadata, added.metadata.when
    if dated.published:
        when = f"published {dated.published.value} (line {dated.published.line})"
    else:
        assert dated.not_before and dated.not_after
        when = f"date unknown, between {dated.not_before.date} and {dated.not_after.date}"
    print(f"added {added.article_id}: seeds/{added.path.name}")
    print(
        f"drafted its entry at seeds/{METADATA_FILE}:{added.line}: "
        f'"{m.title.value}" (line {m.title.line}); {when}; language {m.language}'
    )
    print(
        "next: check the entry against the text and delete its `review: draft` line; the build "
        f"needs a mapping, mappings/{ARTICLE_MAPPINGS}/{added.article_id}.yaml "
        f"(peacekg draft {added.article_id})"
    )
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """`peacekg add`, registered by the command line."""
    a = subparsers.add_parser(
        "add", help="copy a new article into seeds/ and draft its metadata for review"
    )
    a.add_argument("file", type=Path, metavar="FILE", help="the article's text (UTF-8)")
    a.add_argument("--url", help="where the article was read (kept as `url`)")
    a.add_argument(
        "--publisher", metavar="NAME", help="its publisher (instead of what the text says)"
    )
    a.add_argument(
        "--id", metavar="ID", help="the article id (default: its date and the headline's words)"
    )
    a.set_defaults(run=_run)
