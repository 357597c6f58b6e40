"""SPARQL text that every store reads alike: non-ASCII characters as codepoint escapes.

SPARQL reads `\\uXXXX` and `\\UXXXXXXXX` before parsing, so an escaped query or update means
the same everywhere; unescaped, Virtuoso 7 reads the text as Latin-1 (a "“" becomes "?"). Used
by the queries `serve --backend` sends and the updates `publish` sends.
"""

from __future__ import annotations


def ascii_escaped(text: str) -> str:
    """`text` with every non-ASCII character as a SPARQL codepoint escape."""
    if text.isascii():
        return text
    return "".join(
        c if ord(c) < 0x80 else (f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}")
        for c in text
    )
