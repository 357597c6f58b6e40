"""Linked data and pages on the real server: 303 dereferencing by Accept for every kind of IRI,
RDF documents that load as is, 404s, ontology docs, dumps with VoID/DCAT, home page and timeline,
article pages with every quote highlighted, and HTML escaping of article text."""

from __future__ import annotations

import hashlib
import re
import urllib.parse

import pytest
import rdflib
from pyoxigraph import Store

from support.serving import request, running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

BASE = "https://w3id.org/peacekg/"
IRIS = {
    "person": "id/person/ermek-tulesov",
    "claim": "id/claim/2023-10-31-mali-return/minusma-fatalities",
    "mention": "id/mention/2023-10-31-mali-return/mention-tulesov",
    "article": "id/article/2023-10-31-mali-return",
    "operation": "id/operation/minusma",
    "code": "code/rank/lieutenant-colonel",
    "graph": "graph/article/2023-10-31-mali-return",
}
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


def page_path(rest: str) -> str:
    return "/page/" + (rest[3:] if rest.startswith("id/") else rest)


@pytest.mark.parametrize("kind", IRIS)
def test_browsers_are_sent_to_the_page(site, kind):
    path = "/" + IRIS[kind]
    response, _ = request(site, "GET", path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status == 303
    assert response.getheader("Location") == page_path(IRIS[kind])
    assert "Accept" in response.getheader("Vary")
    page, html = request(site, "GET", page_path(IRIS[kind]))
    assert page.status == 200 and page.getheader("Content-Type").startswith("text/html")
    assert (BASE + IRIS[kind]).encode() in html


@pytest.mark.parametrize("kind", IRIS)
@pytest.mark.parametrize("media", RDF_TYPES)
def test_linked_data_clients_get_rdf(site, kind, media):
    ext, rdflib_format = RDF_TYPES[media]
    response, _ = request(site, "GET", "/" + IRIS[kind], headers={"Accept": media})
    assert response.status == 303
    location = response.getheader("Location")
    assert location.endswith("." + ext)
    document, body = request(site, "GET", location)
    assert document.status == 200 and document.getheader("Content-Type").startswith(media)
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    iri = rdflib.URIRef(BASE + IRIS[kind])
    if kind == "graph":
        assert len(graph) > 100  # a graph IRI gives the graph's content
    else:
        assert (iri, None, None) in graph or (None, None, iri) in graph


def test_a_person_document_is_loadable_by_rdflib_as_is(site):
    graph = rdflib.Graph()
    graph.parse(f"{site}/data/person/ermek-tulesov.ttl", format="turtle")
    person = rdflib.URIRef(BASE + "id/person/ermek-tulesov")
    assert graph.value(person, rdflib.RDFS.label) == rdflib.Literal("Ermek Tulesov", lang="en")
    deployments = set(graph.subjects(rdflib.URIRef("http://www.w3.org/ns/org#member"), person))
    assert len(deployments) >= 3  # incoming links: deployments and post holdings
    assert (person, rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Officer")) in graph


def test_claim_documents_carry_their_quote(site):
    graph = rdflib.Graph().parse(
        data=request(site, "GET", "/data/" + IRIS["claim"][3:] + ".ttl")[1], format="turtle"
    )
    exact = set(graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/oa#exact")))
    assert (
        rdflib.Literal(
            "Over the course of 10 years, 309 peacekeepers lost their lives in the line of duty."
        )
        in exact
    )


def test_format_parameter_and_suffixes(site):
    response, body = request(site, "GET", "/data/person/ermek-tulesov?format=jsonld")
    assert response.getheader("Content-Type").startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=body, format="json-ld")) > 5
    response, _ = request(
        site, "GET", "/data/person/ermek-tulesov", headers={"Accept": "image/png"}
    )
    assert response.status == 406


@pytest.mark.parametrize(
    "path",
    [
        "/id/person/nobody",
        "/page/person/nobody",
        "/data/person/nobody.ttl",
        "/code/rank/admiral",
        "/graph/article/none",
        "/page/%3Cscript%3E",
    ],
)
def test_unknown_iris_are_404(site, path):
    response, _body = request(site, "GET", path)
    assert response.status == 404
    assert response.getheader("Content-Type").startswith("text/plain")


def test_ontology_as_html_and_turtle(site):
    response, html = request(site, "GET", "/ontology", headers={"Accept": "text/html"})
    assert response.status == 200 and b"peacekg ontology" in html and b"rank attribution" in html
    response, body = request(site, "GET", "/ontology", headers={"Accept": "text/turtle"})
    assert response.getheader("Content-Type").startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert (rdflib.URIRef(BASE + "ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in graph
    response, _ = request(site, "GET", "/ontology.ttl")
    assert response.status == 200


def test_dumps_page_and_files_match_the_manifest(site, built):
    from peacekg.releases import read_manifest

    settings, result = built
    manifest = read_manifest(settings.output_dir)["dumps"]
    response, html = request(site, "GET", "/dumps")
    assert response.status == 200
    for name, info in manifest.items():
        assert name.encode() in html and info["sha256"].encode() in html
        file_response, data = request(site, "GET", f"/dumps/{result.release.name}/{name}")
        assert file_response.status == 200
        assert hashlib.sha256(data).hexdigest() == info["sha256"]
    assert request(site, "GET", "/dumps/../manifest.json")[0].status == 404


def test_void_and_dcat_description(site, built):
    _settings, _ = built
    _response, body = request(site, "GET", "/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=body, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    dataset = rdflib.URIRef(BASE + "dataset")
    distributions = list(graph.objects(dataset, dcat.distribution))
    assert len(distributions) == 4
    for d in distributions:
        url = str(graph.value(d, dcat.downloadURL))
        checksum = graph.value(graph.value(d, spdx.checksum), spdx.checksumValue)
        data = request(site, "GET", urllib.parse.urlsplit(url).path)[1]
        assert hashlib.sha256(data).hexdigest() == str(checksum)
    assert graph.value(dataset, rdflib.URIRef("http://purl.org/dc/terms/license"))
    as_rdf, _ = request(site, "GET", "/dumps", headers={"Accept": "text/turtle"})
    assert as_rdf.getheader("Content-Type").startswith("text/turtle")


PK = "https://w3id.org/peacekg/ontology#"
# Kazakh personnel figures that happened (status actual) and whose time can be drawn: the
# instant a count holds at, or else its period's end, known as a date or within two bounds.
KAZAKH_FIGURES = f"""PREFIX time: <http://www.w3.org/2006/time#>
  SELECT DISTINCT ?f WHERE {{
    ?f a <{PK}PersonnelFigure> ; <{PK}status> <{BASE}code/status/actual> ;
       <{PK}contributor>/<{PK}contributingCountry>? <{BASE}id/place/kazakhstan> ;
       <{PK}validDuring> ?v .
    {{ ?v time:inside ?i }} UNION {{ ?v time:hasEnd ?i FILTER NOT EXISTS {{ ?v time:inside ?x }} }}
    {{ ?i time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?d }}
    UNION {{ ?i <{PK}notBefore> ?low ; <{PK}notAfter> ?high }} }}"""


def test_home_page_counts_and_timeline(site, built):
    settings, _ = built
    response, html = request(site, "GET", "/")
    text = html.decode()
    assert response.status == 200
    store = Store.read_only(str(settings.output_dir / "current" / "store"))
    persons = len(
        list(
            store.query(
                "SELECT DISTINCT ?p { ?p a <https://schema.org/Person> }",
                use_default_graph_as_union=True,
            )
        )
    )
    assert f"<b>{persons}</b>persons" in text
    figures = list(store.query(KAZAKH_FIGURES, use_default_graph_as_union=True))
    assert text.count("<circle ") == len(figures) > 10  # one mark per figure, not per mission
    assert "source: Kazakh military personnel were escorted to the Golan Heights in Almaty" in text
    assert "/queries/officers-in-more-than-one-mission.rq" in text


def test_article_page_highlights_every_quote(site):
    _response, html = request(site, "GET", "/page/article/2023-10-31-mali-return")
    text = html.decode()
    anchors = set(re.findall(r'id="(fact-[a-z0-9-]+)"', text))
    import yaml

    from support import ROOT

    mapping = yaml.safe_load((ROOT / "mappings/articles/2023-10-31-mali-return.yaml").read_text())
    assert anchors == {"fact-" + f["id"] for f in mapping["facts"]}
    assert '<a href="/page/claim/2023-10-31-mali-return/minusma-fatalities">' in text


def test_article_text_and_labels_are_escaped(project):
    from peacekg.build.pipeline import build

    seeds = project.root / "seeds"
    with open(seeds / "articles.yaml", "a", encoding="utf-8") as meta:
        meta.write(
            "\n- id: zz-hostile\n  file: zz-hostile.txt\n  title: Hostile <b>report</b>\n"
            "  publisher: unknown\n  published: 2024-01-01\n  language: en\n"
        )
    (seeds / "zz-hostile.txt").write_text(
        "Hostile <b>report</b>\n<script>alert('x')</script> report on Ermek Tulesov.\n",
        encoding="utf-8",
    )
    (project.root / "mappings/articles/zz-hostile.yaml").write_text(
        "article: zz-hostile\nfacts:\n  - id: hostile\n    type: mention\n"
        "    entity: person/ermek-tulesov\n"
        "    quote: <script>alert('x')</script> report on Ermek Tulesov\n",
        encoding="utf-8",
    )
    build(project)
    with running_server("--build-dir", str(project.output_dir), "serve") as base:
        for path in ("/page/article/zz-hostile", "/page/person/ermek-tulesov"):
            _, html = request(base, "GET", path)
            assert b"<script>alert" not in html
            assert b"&lt;script&gt;alert(" in html
        _, html = request(base, "GET", "/page/article/zz-hostile")
        assert b"<b>report</b>" not in html and b"&lt;b&gt;report&lt;/b&gt;" in html
