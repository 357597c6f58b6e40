"""YAML written as text, one value at a time.

Drafting writes files a person then edits (an entry of seeds/articles.yaml, a draft mapping), so
it writes them line by line, never dumps them: comments, order and layout stay as intended. What
is written here always reads back as the value it was written from.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Literal

import yaml

IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9/-]*|\d{4}(?:-\d\d){0,2}")
"""A registry reference, a code, a keyword of `when:` or a date: written bare in a mapping."""
KEYWORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off"})
"""Bare words YAML would not read as strings."""
Strings = Literal["ids", "plain", "quoted"]


def scalar(value: object, strings: Strings = "ids") -> str:
    """One value as YAML: null, true or false, a number, a date (ISO 8601), a flow list or
    mapping, or a string written as `strings` says:

    - "ids" (a mapping's fields): bare if it is an id, a code or a date, which YAML then reads
      as the mapping format means it; anything else, words a reader checks, double-quoted;
    - "plain" (seeds/articles.yaml, like the reviewed entries): bare wherever YAML reads it
      back as the same string, else quoted as YAML chooses;
    - "quoted" (evidence and reasons, quoted from the text): always double-quoted.
    """
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v, strings) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v, strings)}" for k, v in value.items()) + "}"
    text = str(value)
    if strings == "ids" and IDENTIFIER.fullmatch(text) and text not in KEYWORDS:
        return text
    style = None if strings == "plain" else '"'
    dumped = yaml.safe_dump(text, allow_unicode=True, width=math.inf, default_style=style)
    return dumped.removesuffix("\n...\n").removesuffix("\n")
