"""The seeds are byte-identical to the shared originals; their metadata is backed by their text."""

import hashlib

import yaml

from peacekg.inputs.seeds import load_articles
from support import ROOT, SHARED


def _metadata() -> list[dict]:
    return yaml.safe_load((ROOT / "seeds" / "articles.yaml").read_text(encoding="utf-8"))


def test_every_shared_seed_is_copied_byte_for_byte():
    originals = sorted((SHARED / "seeds").glob("*.txt"))
    assert len(originals) == 5
    by_original = {m["original_file"]: m["file"] for m in _metadata()}
    assert set(by_original) == {p.name for p in originals}
    for original in originals:
        copy = ROOT / "seeds" / by_original[original.name]
        assert copy.read_bytes() == original.read_bytes(), copy.name


def test_metadata_loads_and_records_checksums():
    articles = load_articles(ROOT / "seeds")
    assert len(articles) == 5
    for article in articles.values():
        assert article.sha256 == hashlib.sha256(article.path.read_bytes()).hexdigest()
        assert article.language == "en"
        assert article.title in article.text


def test_publication_dates_are_known_or_bounded():
    articles = load_articles(ROOT / "seeds")
    dated = {a.id: a.published.isoformat() for a in articles.values() if a.published}
    assert dated == {
        "2023-10-31-mali-return": "2023-10-31",
        "2022-06-30-430-servicemen": "2022-06-30",
        "2024-01-20-mea-deployment": "2024-01-20",
    }
    for article in articles.values():
        if article.published is None:
            assert article.bounds is not None
            assert article.bounds.not_before <= article.bounds.not_after
            assert article.bounds.reasoning
