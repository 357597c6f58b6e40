"""Evidence a reader can check: each quote shown in its whole sentence, and each Wikidata link
with its status and the sources that pair the item with the entity."""

from __future__ import annotations

import html
import re

from support import select


def _quotes(page: str) -> list[tuple[str, str]]:
    """(the whole blockquote text, the marked part) of each quote on a page."""
    found = []
    for block in re.findall(r'<blockquote class="quote">(.*?)</blockquote>', page, re.S):
        marked = re.search(r"<strong>(.*?)</strong>", block, re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", block))
        found.append((text, html.unescape(marked.group(1)) if marked else ""))
    return found


def test_a_quote_is_shown_in_its_whole_sentence(client):
    page = client.get("/page/person/ermek-tulesov").get_data(as_text=True)
    quotes = _quotes(page)
    # a mention of two words, shown in the sentence that holds it, the words marked
    assert (
        "Lieutenant Colonel E. Tulesov mentioned that the mission was challenging.",
        "E. Tulesov",
    ) in quotes
    # a quote that runs over two sentences is shown with both, whole
    senior = [q for q in quotes if q[1].startswith("Senior Officer and Instructor")]
    assert senior and senior[0][0].startswith("One of the military personnel, Senior Officer")
    assert senior[0][0].endswith("is currently underway.")


def test_every_quote_target_carries_its_sentence(store, ns):
    rows = select(
        store,
        """SELECT ?exact ?sentence ?start ?sentenceStart WHERE {
             ?target oa:hasSelector/oa:exact ?exact ; oa:hasSelector/oa:start ?start ;
                     pk:sentence ?sentence ; pk:sentenceStart ?sentenceStart }""",
        ns,
    )
    assert len(rows) > 200
    for r in rows:
        at = int(r["start"]) - int(r["sentenceStart"])
        assert at >= 0 and r["sentence"][at : at + len(r["exact"])] == r["exact"], r


def test_a_linked_entity_shows_its_status_and_sources(client):
    page = html.unescape(client.get("/page/place/kazakhstan").get_data(as_text=True))
    assert "Linked to" in page and "Q232" in page
    assert "verified: two or more independent sources pair the item with this entity" in page
    assert "opensanctions/rigour, resources/territories/kz.yml, which names it “Kazakhstan”" in page
    unifil = html.unescape(client.get("/page/operation/unifil").get_data(as_text=True))
    assert "one source: a single document pairs the item with this entity" in unifil


def test_an_unlinked_entity_says_why(client):
    page = client.get("/page/operation/minusma").get_data(as_text=True)
    assert "Not linked to Wikidata" in page and "never guesses" in page
    claim = client.get("/page/claim/2023-10-31-mali-return/minusma-fatalities")
    assert "Not linked to Wikidata" not in claim.get_data(as_text=True)  # not an entity


def test_no_link_refers_to_a_file_outside_the_repository(store, ns):
    rows = select(store, "SELECT ?o WHERE { ?s ?p ?o FILTER (CONTAINS(STR(?o), 'shared/')) }", ns)
    assert rows == []
