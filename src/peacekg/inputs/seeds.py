"""The seed articles: their exact text and the metadata read off it (seeds/articles.yaml)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

from peacekg.errors import InputError
from peacekg.files import write_atomically
from peacekg.inputs import fields as _fields
from peacekg.inputs import located as _located
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
    (its parse cached in `cache`, if given: see `load_yaml`; and, while articles.yaml is the
    same, each article checked before whose text file is as it was: `_Checked`)."""
    path = seeds_dir / METADATA_FILE
    checked = _Checked(path, cache)
    if (same := checked.all()) is not None:  # nothing to parse or check again
        return {article.id: article for article in same}
    entries = load_yaml(path, cache)
    if entries is None:  # comments only: a project with no article yet, as `peacekg add` meets
        entries = []
    if not isinstance(entries, list):
        raise InputError(path, 1, "expected a list of articles")
    checked.count = len(entries)
    articles: dict[str, Article] = {}
    anchor = Located()
    anchor.path, anchor.line = path, 1
    for number, entry in enumerate(entries):
        article = checked.get(number)
        if article is None:
            file = seeds_dir / str(entry.get("file")) if isinstance(entry, dict) else None
            before = _signature(file) if file else ()
            article = checked.put(number, _article(entry, seeds_dir, anchor), before)
        if article.id in articles:
            raise InputError(path, article.line, f"duplicate article id {article.id!r}")
        articles[article.id] = article
    checked.save()
    return articles


class _Checked:
    """The articles of an articles.yaml checked by an earlier build, kept with the size, times
    and inode of their text file: while articles.yaml has the same bytes and a text file is
    as it was (a write changes its change time, which no one can set), the article is the
    same, and checking its fields and reading its text again would only cost time (half a
    second for 10,000 articles)."""

    NAME = "checked-articles.pickle"  # not articles-*: load_yaml removes those

    def __init__(self, path: Path, cache: Path | None) -> None:
        self._file = cache / self.NAME if cache else None
        self._known: dict[int, tuple[tuple[int, ...], Article]] = {}
        self._made: dict[int, tuple[tuple[int, ...], Article]] = {}
        self._changed = False
        self._known_count = -1
        self.count = -1
        """Entries in articles.yaml (-1: not known)."""
        if self._file is None:
            return
        code = b"".join(Path(m.__file__).read_bytes() for m in (_fields, _located))  # type: ignore[arg-type]
        self._key = hashlib.sha256(path.read_bytes() + Path(__file__).read_bytes() + code).digest()
        with contextlib.suppress(
            OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError
        ):
            key, count, known = pickle.loads(self._file.read_bytes())  # ours, by `save`
            if key == self._key:
                self._known, self._known_count = known, count

    def all(self) -> list[Article] | None:
        """Every article, in order, if each was checked before and its file is as it was."""
        if self._known_count < 0 or len(self._known) != self._known_count:
            return None
        found = [self.get(number) for number in range(self._known_count)]
        return None if None in found else found  # type: ignore[return-value]

    def get(self, number: int) -> Article | None:
        if (made := self._made.get(number)) is not None:  # seen by `all` (one stat is enough)
            return made[1]
        found = self._known.get(number)
        if found is None or _signature(found[1].path) != found[0]:
            return None
        self._made[number] = found
        return found[1]

    def put(self, number: int, article: Article, before: tuple[int, ...]) -> Article:
        """An article checked now, kept for the next time if its file did not change while
        it was read (`before`: its signature then) and does not change later."""
        self._changed = True
        if self._file is not None and before and _signature(article.path) == before:
            self._made[number] = (before, article)
        return article

    def save(self) -> None:
        if self._file is not None and (self._changed or len(self._made) != len(self._known)):
            self._file.parent.mkdir(parents=True, exist_ok=True)
            data = (self._key, self.count, self._made)
            write_atomically(self._file, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def _signature(path: Path) -> tuple[int, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
