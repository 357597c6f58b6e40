"""Drafting an article's metadata from its text: every value with the line that states it.

Pure functions of the text, plus the day it is added and the earliest date a text can have
(which bound a text that prints no date). The rules are about how news pages print things (a
headline first, a byline, a dateline, "Source:", "…, X reports", a copyright or newsletter
footer), never about particular articles. What the text does not state stays unknown.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .dates import MONTHS, FoundDate, find_dates
from .page import BYLINE, COPYRIGHT, LABEL, WORD, Line, Page, Stated, page, words
from .publication import Bound, Publication, layout, publication


@dataclass(frozen=True)
class Metadata:
    """Everything a text says about itself, each value with the line that states it."""

    title: Stated[str]
    when: Publication
    publisher: Stated[str] | None
    source: Stated[str] | None
    author: Stated[str] | None
    """The name in the byline, as printed."""
    dateline: Stated[str] | None
    language: str


# --- the headline ---------------------------------------------------------------------------

SITE_FURNITURE = re.compile(r"\blogo\b|^\s*(?:menu|share|home|advertisement)\s*$", re.I)
NAVIGATION = re.compile(r"^(?:[^>»|]{1,30}\s[>»|]\s)+[^>»|]{1,30}$")


def _is_header_matter(line: Line, dates: list[FoundDate]) -> bool:
    """A label, a byline, a line that is mostly a date, the site's logo or navigation."""
    text = line.stripped
    on_line = [d for d in dates if d.line == line.number]
    rest = text
    for d in on_line:
        rest = rest.replace(d.text, " ")
    return bool(
        LABEL.match(text)
        or BYLINE.match(text)
        or (on_line and len(words(rest)) < 3)
        or SITE_FURNITURE.search(text)
        or NAVIGATION.match(text)
    )


def _title(p: Page, dates: list[FoundDate], publisher: Stated[str] | None) -> Stated[str]:
    """The headline: the first line of three words or more that is neither header matter nor
    the publisher's name; a shorter line before it is a section's or the site's name more often
    than a headline."""
    filled = [line for line in p.lines if line.stripped]
    site = publisher.value.casefold() if publisher else None
    for line in filled:
        text = line.stripped
        if len(words(text)) < 3 or text.casefold() == site:
            continue
        if not _is_header_matter(line, dates):
            return Stated(text, line.number, text)
    first = filled[0]
    return Stated(first.stripped, first.number, first.stripped)


# --- byline and dateline ------------------------------------------------------------------

NOT_A_NAME = frozenset(
    {"staff", "reporter", "correspondent", "newsroom", "team", "desk", "editor", "editorial"}
    | set(MONTHS)
    | {day.lower() for day in calendar.day_name}
)


def _author(p: Page) -> Stated[str] | None:
    """A byline's name: two to four capitalised words after "By" or "Author:", up to a date,
    a comma, a lower-case word or, after a name in capitals, a word that is not ("By Jane Doe,
    Reuters", "By Jane Doe January 20, 2024", "By JANE DOE Associated Press")."""
    for line in p.lines:
        m = BYLINE.match(line.stripped)
        if not m:
            continue
        names: list[str] = []
        for word in m["rest"].split():
            bare = word.rstrip(",;|")
            if not WORD.fullmatch(bare) or not bare[0].isupper():
                break
            if bare.lower().rstrip(".") in NOT_A_NAME:
                break
            if names and names[0].isupper() and not bare.isupper():
                break
            names.append(bare)
            if bare != word or len(names) == 4:
                break
        if len(names) >= 2:
            name = " ".join(names)
            offset = line.stripped.index(name) + len(name)
            return Stated(name, line.number, line.stripped[:offset])
    return None


DATELINE = re.compile(r"^(?P<head>[^–—\n]{3,60}?)\s*(?P<dash>[–—]|--?)\s+\S")
AGENCY = re.compile(r"[(/](?P<agency>[^()/]{2,40})[)/]|\.\s+(?P<caps>[^\W\d_][^\W\d_&' -]+)$")
"""The agency of a dateline: "(Reuters)", "/Kazinform/", or a name after the place's full stop
("ASTANA. KAZINFORM –")."""


@dataclass(frozen=True)
class Dateline:
    """A dateline's place and agency ("ALMATY, Jan 8 (Reuters) -")."""

    place: Stated[str]
    agency: Stated[str] | None
    span: tuple[int, int]
    """Where it is in the text (a date inside is the dateline's)."""


def _dateline(p: Page) -> Dateline | None:
    """ "ALMATY, Jan 20 (Reuters) -", "NUR-SULTAN –", "ASTANA (Kazinform) —" opening one of the
    first paragraphs: a place in capitals, then perhaps a date and an agency, then a dash."""
    for line in [line for line in p.lines if line.stripped][:15]:
        text = line.stripped
        m = DATELINE.match(text)
        if not m or len(words(text[m.end() :])) < 4:
            continue
        place = re.split(r"[,(/]|\.\s", m["head"], maxsplit=1)[0].strip()
        if sum(c.isalpha() for c in place) < 3 or not place.isupper() or len(place.split()) > 4:
            continue
        evidence = text[: m.end("dash")]
        start = line.start + line.text.index(text)
        agency = AGENCY.search(m["head"])
        name = (agency["agency"] or agency["caps"]).strip() if agency else ""
        return Dateline(
            Stated(place, line.number, evidence),
            Stated(name, line.number, evidence) if name else None,
            (start, start + len(evidence)),
        )
    return None


# --- source and publisher -----------------------------------------------------------------

SOURCE_LABEL = re.compile(r"^(?:sources?|источник)\s*:\s*(?P<value>.*?)[\s.]*$", re.I)
NAME_WORDS = r"(?:the\s+)?[A-ZА-Я][\w.&'’-]*(?:\s+(?:[A-ZА-Я][\w.&'’-]*|of|the|for|and|on)){0,6}"
REPORTED_BY = re.compile(
    r"(?:^|[,;:]\s*)(?:as\s+)?(?:reported|reports|writes|informs)\s+(?:by\s+)?"
    r"(?P<value>[^,;:!?]+?)\s*[.!?]?[\"”]?\s*$"
)
"""An attribution closing a sentence: "…, reported the press service of the Ministry"."""
NAME_REPORTS = re.compile(
    rf"(?:^|,\s*)(?P<value>{NAME_WORDS})\s+(?:reports|reported|writes|wrote|informs)\s*[.!?]?\s*$"
)
"""A name before the verb closing a sentence: "…, El.kz reports"."""


def _source(p: Page, dateline: Dateline | None) -> Stated[str] | None:
    """Where the report comes from, as the text says it: a "Source:" line, an agency in the
    dateline, or an attribution closing a sentence ("…, El.kz reports", "…, reported the press
    service of the Ministry"), with a capitalised name in it."""
    for line in p.lines:
        m = SOURCE_LABEL.match(line.stripped)
        if m and m["value"]:
            return Stated(m["value"], line.number, line.stripped)
    if dateline and dateline.agency:
        return dateline.agency
    for sentence in p.sentences:
        for pattern in (REPORTED_BY, NAME_REPORTS):
            m = pattern.search(sentence.text)
            name = re.sub(r"^the\s+", "", m["value"].strip(), flags=re.I) if m else ""
            if m and len(name.split()) <= 8 and any(w[0].isupper() for w in name.split()):
                evidence = m[0].strip(" ,;:").rstrip('.!?"” ')
                return Stated(name, sentence.line, evidence)
    return None


PUBLISHER = (
    COPYRIGHT,
    re.compile(
        r"\b(?:Get|Subscribe\s+to|Sign\s+up\s+for)\s+(?P<value>(?:The\s+)?[A-Z][\w.&'’-]*"
        r"(?:\s+[A-Z][\w.&'’-]*){0,4}?)(?:['’]s)?\s+(?:stories|news|newsletters?|updates|headlines)\b"
    ),
)


def _publisher(p: Page) -> Stated[str] | None:
    """Who publishes the page, where its footer says so: a copyright line, or a newsletter
    offer ("Get The Astana Times stories sent to you")."""
    for pattern in PUBLISHER:
        for line in p.lines:
            m = pattern.search(line.text)
            if m:
                evidence = p.sentence_at(line.start + m.start())
                return Stated(m["value"].strip(), line.number, evidence)
    return None


# --- language ---------------------------------------------------------------------------------


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


COMMON_WORDS = {
    "en": _word_set("the and of to in is was for on that with as by are from has have were this"),
    "fr": _word_set("le les des du et est une dans pour sur au aux par qui avec ont été cette"),
    "es": _word_set("el los las del y es una por para con que se al fue están esta"),
    "de": _word_set("der die das und ist nicht mit von den dem ein eine auf für wurde sich"),
}
"""Words frequent in one language and rare in the others."""
KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def _language(text: str) -> str:
    """ "en" unless the text is clearly in another language: mostly Cyrillic letters (Kazakh if
    its own letters occur, else Russian), or Latin letters whose common words are another
    language's. A text in any other script is "und" (undetermined) for the reviewer to name."""
    letters = [c for c in text.lower() if c.isalpha()]
    if not letters:
        return "en"
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    if cyrillic > len(letters) / 2:
        kazakh = sum(c in KAZAKH_LETTERS for c in letters)
        return "kk" if kazakh > cyrillic / 100 else "ru"
    if latin <= len(letters) / 2:
        return "und"
    found = re.findall(r"[^\W\d_]+", text.lower())
    counts = {lang: sum(w in common for w in found) for lang, common in COMMON_WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 3 and counts[best] > 2 * counts["en"] else "en"


def draft_metadata(text: str, added_on: dt.date, earliest: Bound) -> Metadata:
    """Everything `text` says about itself. `added_on` and `earliest` bound the date of a text
    that prints none: it existed when added, and cannot be older than `earliest`."""
    p = page(text)
    dates = find_dates(text)
    dateline = _dateline(p)
    publisher = _publisher(p)
    title = _title(p, dates, publisher)
    where = layout(p, dateline.span if dateline else None, title.line)
    return Metadata(
        title=title,
        when=publication(p, dates, where, added_on, earliest),
        publisher=publisher,
        source=_source(p, dateline),
        author=_author(p),
        dateline=dateline.place if dateline else None,
        language=_language(text),
    )
