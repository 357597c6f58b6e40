"""Ids made from words: registry keys and fact ids from names, article ids from headlines.

One function, because both must be plain ASCII words joined by '-' that a person can read and
type; they differ only where an article id is a short file name and a key must keep every word.
"""

from __future__ import annotations

import re
import unicodedata

ARTICLE_ID_WORDS = 6
"""An article id takes this many words of its headline, at most."""
TRAILING = frozenset({"a", "an", "the", "of", "on", "in", "to", "for", "and", "at", "by", "with"})
CYRILLIC = str.maketrans(
    dict(
        re.findall(
            r"(\w)=(\w*)",
            "а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i й=i к=k л=l м=m н=n о=o п=p р=r с=s т=t "
            "у=u ф=f х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya "
            "ә=a ғ=g қ=q ң=n ө=o ұ=u ү=u һ=h і=i",
        )
    )
)
"""Russian and Kazakh letters in Latin ones, for article ids and file names."""


def slug(text: str, words: int | None = None) -> str:
    """Lower-case ASCII words of `text` joined by '-'.

    Without `words`, a registry key or fact id: every word, accents dropped, an apostrophe a
    break ("Côte d'Ivoire": cote-d-ivoire), "x" if no word is left. With `words`, an article
    id from a headline: at most that many words, apostrophes dropped (cote-divoire), Russian
    and Kazakh letters spelt in Latin ones, not ending on "of", "the" and the like
    ("Kazakhstan to send 430 servicemen on UN…": kazakhstan-to-send-430-servicemen), "" if
    no word is left (the caller names the article otherwise).
    """
    short = words is not None
    if short:
        text = text.lower().replace("'", "").replace("’", "").translate(CYRILLIC)
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    tokens = re.findall(r"[a-z0-9]+", plain)
    if not short:
        return "-".join(tokens) or "x"
    tokens = tokens[:words]
    while tokens and tokens[-1] in TRAILING:
        tokens.pop()
    return "-".join(tokens)
