"""Typed RDF literals from mapping values: dates at their stated precision, counts, text."""

from __future__ import annotations

import datetime as dt
import re

from pyoxigraph import Literal, NamedNode

from peacekg.namespaces import XSD

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?$")


def typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype))


def date_literal(value: object) -> Literal:
    """A date as precise as the article states it: xsd:date, xsd:gYearMonth or xsd:gYear.

    Raises ValueError with a readable reason for anything else (e.g. 2023-13 or 'March').
    """
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date, got a date-time {value.isoformat()}")
    if isinstance(value, dt.date):
        return typed(value.isoformat(), "date")
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return typed(str(value), "gYear")
    if isinstance(value, str):
        if _YEAR.match(value):
            return typed(value, "gYear")
        if m := _YEAR_MONTH.match(value):
            if not 1 <= int(m.group(2)) <= 12:
                raise ValueError(f"month out of range in {value!r}")
            return typed(value, "gYearMonth")
        try:
            return typed(dt.date.fromisoformat(value).isoformat(), "date")
        except ValueError:
            pass
    raise ValueError(f"malformed date {value!r}: use YYYY-MM-DD, YYYY-MM or YYYY")


def time_property(literal: Literal) -> str:
    """The OWL-Time property that carries a date literal of this precision on a time:Instant."""
    return {"date": "inXSDDate", "gYearMonth": "inXSDgYearMonth", "gYear": "inXSDgYear"}[
        literal.datatype.value.removeprefix(XSD)
    ]


def duration_literal(value: object) -> Literal:
    if isinstance(value, str) and _DURATION.match(value):
        return typed(value, "duration")
    raise ValueError(f"malformed duration {value!r}: use ISO 8601, e.g. P1Y or P10Y")


def count_literal(value: object) -> Literal:
    """A whole number >= 0, typed xsd:integer: Oxigraph stores every integer subtype as
    xsd:integer, and the dumps must say exactly what the store serves."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return typed(str(value), "integer")
    raise ValueError(f"expected a whole number >= 0, got {value!r}")


def text_literal(value: str, lang: str | None = "en") -> Literal:
    return Literal(value, language=lang) if lang else Literal(value)
