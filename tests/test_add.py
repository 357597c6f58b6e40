"""`peacekg add`: a new article copied byte for byte, its metadata drafted from its own lines.

Run through the real command line on a private copy of the project. The five real articles are
re-added to a project that lacks them and must come out as their reviewed metadata says; short
news texts written for these tests cover the other forms pages print; bad input changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from peacekg.cli import main
from peacekg.config import Settings
from peacekg.errors import InputError
from peacekg.inputs.seeds import load_articles
from support import ROOT, SHARED

REVIEWED = {
    entry["original_file"]: entry
    for entry in yaml.safe_load((ROOT / "seeds" / "articles.yaml").read_text(encoding="utf-8"))
}


def _add(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(root), "add", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _entries(settings: Settings) -> dict[str, dict]:
    listing = settings.seeds_dir / "articles.yaml"
    return {e["id"]: e for e in yaml.safe_load(listing.read_text(encoding="utf-8")) or []}


def _added(settings: Settings, before: dict[str, dict]) -> dict:
    new = [e for i, e in _entries(settings).items() if i not in before]
    assert len(new) == 1, new
    return new[0]


def _inputs(settings: Settings) -> dict[str, bytes]:
    """Every file of seeds/ and mappings/, for "changes nothing"."""
    return {
        str(p.relative_to(settings.root)): p.read_bytes()
        for folder in (settings.seeds_dir, settings.mappings_dir)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def without_seeds(project: Settings) -> Settings:
    """The project with no article at all: articles.yaml keeps only its header comments."""
    listing = project.seeds_dir / "articles.yaml"
    text = listing.read_text(encoding="utf-8")
    listing.write_text(text[: text.index("\n- id:") + 1], encoding="utf-8")
    for path in project.seeds_dir.glob("*.txt"):
        path.unlink()
    for path in (project.mappings_dir / "articles").glob("*.yaml"):
        path.unlink()
    return project


# --- the five real articles ---------------------------------------------------------------


@pytest.mark.parametrize("original", sorted(REVIEWED))
def test_each_real_article_drafts_as_reviewed(
    without_seeds: Settings, capsys: pytest.CaptureFixture[str], original: str
):
    reviewed = REVIEWED[original]
    source = SHARED / "seeds" / original
    before = _entries(without_seeds)
    code, out, err = _add(capsys, without_seeds.root, str(source))
    assert (code, err) == (0, ""), err
    drafted = _added(without_seeds, before)

    assert drafted["review"] == "draft"
    assert (without_seeds.seeds_dir / drafted["file"]).read_bytes() == source.read_bytes()
    for field in ("title", "publisher", "source", "author", "dateline", "language"):
        assert drafted[field] == reviewed[field], field
    assert drafted.get("modified") == reviewed.get("modified")
    assert drafted["published"] == reviewed["published"]
    if reviewed["published"] == "unknown":
        # what the text alone allows: never narrower than the reviewed bounds, which also use
        # other articles and dated background facts
        bounds, known = drafted["bounds"], reviewed["bounds"]
        assert bounds["not_before"] <= known["not_before"] <= known["not_after"]
        assert known["not_after"] <= bounds["not_after"] <= dt.date.today()
    assert f"added {drafted['id']}" in out
    load_articles(without_seeds.seeds_dir)  # the entry loads as the build loads it


def test_drafted_values_name_their_lines(without_seeds: Settings, capsys):
    source = SHARED / "seeds" / "002_6dc53c71c62add71.txt"
    assert _add(capsys, without_seeds.root, str(source))[0] == 0
    listing = (without_seeds.seeds_dir / "articles.yaml").read_text(encoding="utf-8")
    entry = listing[listing.index("- id: 2024-01-20-") :]
    assert "title: Kazakhstan to Deploy Troops in MEA for UN Peace Missions  # line 5" in entry
    assert "published: 2024-01-20  # line 7" in entry
    assert 'published_evidence: "By Vusala Abbasova January 20, 2024"' in entry
    assert 'modified_evidence: "Last update: April 29, 2024 00:20"' in entry
    assert "author: person/vusala-abbasova  # line 7" in entry
    assert 'author_evidence: "By Vusala Abbasova"' in entry
    assert "source: null  # not found in the text" in entry


def test_the_file_and_its_earlier_entries_are_kept_as_they_were(project: Settings, capsys):
    listing = project.seeds_dir / "articles.yaml"
    before = listing.read_bytes()
    text = project.root / "note.txt"
    text.write_text("Peacekeepers from Fiji rotate in the Golan\n\nIn 2024 they rotated.\n")
    assert _add(capsys, project.root, str(text))[0] == 0
    assert listing.read_bytes().startswith(before)
    assert len(load_articles(project.seeds_dir)) == 6


# --- texts written for these tests --------------------------------------------------------

TEXTS = {
    "reuters": (
        "Kazakhstan extends its staff officers' tour with the mission in South Sudan\n\n"
        "January 8, 2025 9:14 AM GMT+5\n\n"
        "ALMATY, Jan 8 (Reuters) - Kazakhstan will keep eight staff officers with the U.N. "
        "Mission in South Sudan for another year, the defence ministry said on Wednesday.\n\n"
        "The officers first deployed in 2021, a ministry spokesperson said.\n\n"
        "Reporting by Aliya Nurlanova; Editing by Mark Bennett\n"
    ),
    "byline": (
        "Nepali blue helmets come home from southern Lebanon\n\n"
        "By Priya Raman\n"
        "Posted 14 March 2023, 16:05\n\n"
        "KATHMANDU – Some 850 Nepali peacekeepers who served with the United Nations Interim "
        "Force in Lebanon landed in Kathmandu on Monday after a year of duty, the army said.\n\n"
        "Nepal has sent troops to the force since 1978.\n"
    ),
    "iso-copyright": (
        "UN police advisers from Kazakhstan complete a tour in Cyprus\n"
        "2024-05-06\n"
        "Author: Vusala Abbasova\n\n"
        "Four Kazakh police advisers have completed a year with UNFICYP, the UN force in "
        "Cyprus.\n\n"
        "© 2024 Steppe Defence Review. All rights reserved.\n"
    ),
    "updated": (
        "Ghanaian battalion hands over its sector in Abyei\n\n"
        "Jan. 20, 2024, 10:15 a.m. | Updated Jan. 21, 2024\n\n"
        "The battalion handed over its sector to a Pakistani unit, the force said.\n"
    ),
    "yesterday": (
        "Peacekeeping training centre opens a course for staff officers\n\n"
        "Officers from five countries began a four-week course at the centre yesterday, "
        "11 September 2023, its press office said.\n\n"
        "The centre was founded in 2009.\n"
    ),
    "last-week": (
        "Observers return from Western Sahara\n\n"
        "Last week, on 4 March 2024, the last two observers of the rotation handed over their "
        "team site, reported the press service of the Defence Ministry.\n\n"
        "A photo dated 05/06/2023 shows the team at the site.\n"
    ),
    "years-only": (
        "Mongolian engineers keep the roads open around Bentiu\n\n"
        "A company of Mongolian military engineers has served with UNMISS in South Sudan since "
        "2019, repairing roads between Bentiu and Rubkona.\n\n"
        "The ministry plans to rotate the company in 2026, when a new contingent will take "
        "over.\n"
    ),
    "french": (
        "Des casques bleus sénégalais quittent le nord du Mali\n\n"
        "Publié le 12.12.2023 à 10h15\n\n"
        "Les derniers soldats sénégalais de la mission des Nations unies ont quitté Gao pour "
        "Dakar, a annoncé l'état-major des armées dans un communiqué.\n"
    ),
    "headline-date": (
        "Kazakhstan to send troops to Lebanon on 20 March 2024\n\n"
        "The defence ministry announced that a company of 120 servicemen will leave for "
        "southern Lebanon on 20 March 2024, where they will join the United Nations Interim "
        "Force in Lebanon for a year of service.\n\n"
        "- 12 March 2024: the company passed its final inspection\n"
    ),
    "russian": (
        "Казахстанские миротворцы вернулись из Ливана\n\n"
        "Группа военнослужащих вернулась домой после года службы в миссии ООН в Ливане, "
        "сообщает пресс-служба министерства обороны.\n"
    ),
}

EXPECTED = {
    "reuters": {
        "id": "2025-01-08-kazakhstan-extends-its-staff-officers-tour",
        "title": "Kazakhstan extends its staff officers' tour with the mission in South Sudan",
        "published": dt.date(2025, 1, 8),
        "published_evidence": "January 8, 2025 9:14 AM GMT+5",
        "dateline": "ALMATY",
        "dateline_evidence": "ALMATY, Jan 8 (Reuters) -",
        "source": "Reuters",
        "author": None,
        "author_name": "Aliya Nurlanova",
        "author_evidence": "Reporting by Aliya Nurlanova",
        "publisher": "unknown",
        "language": "en",
    },
    "byline": {
        "id": "2023-03-14-nepali-blue-helmets-come-home-from",
        "published": dt.date(2023, 3, 14),
        "published_evidence": "Posted 14 March 2023, 16:05",
        "author": None,
        "author_name": "Priya Raman",
        "dateline": "KATHMANDU",
        "source": None,
        "language": "en",
    },
    "iso-copyright": {
        "published": dt.date(2024, 5, 6),
        "author": "person/vusala-abbasova",
        "author_evidence": "Author: Vusala Abbasova",
        "publisher": "Steppe Defence Review",
        "publisher_evidence": "© 2024 Steppe Defence Review.",
        "title": "UN police advisers from Kazakhstan complete a tour in Cyprus",
    },
    "updated": {
        "published": dt.date(2024, 1, 20),
        "modified": dt.date(2024, 1, 21),
        "title": "Ghanaian battalion hands over its sector in Abyei",
    },
    "yesterday": {
        "id": "2023-peacekeeping-training-centre-opens-a-course",
        "published": "unknown",
        "bounds": (dt.date(2023, 9, 12), dt.date(2023, 9, 12)),
        "source": None,
    },
    "last-week": {
        "published": "unknown",
        "bounds": (dt.date(2024, 3, 5), dt.date(2024, 3, 17)),
        "source": "press service of the Defence Ministry",
    },
    "years-only": {
        "id": "undated-mongolian-engineers-keep-the-roads-open",
        "published": "unknown",
        "bounds": (dt.date(2019, 1, 1), "today"),
    },
    "french": {
        "published": dt.date(2023, 12, 12),
        "language": "fr",
        "title": "Des casques bleus sénégalais quittent le nord du Mali",
    },
    "headline-date": {  # neither the headline's date nor a list item is the page's date
        "published": "unknown",
        "bounds": (dt.date(2024, 3, 12), "today"),
    },
    "russian": {
        "id": "undated-kazakhstanskie-mirotvortsy-vernulis-iz-livana",
        "published": "unknown",
        "bounds": (dt.date(1948, 1, 1), "today"),
        "language": "ru",
    },
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_news_texts_draft_their_metadata(project: Settings, capsys, tmp_path: Path, name: str):
    source = tmp_path / f"{name}.txt"
    source.write_bytes(TEXTS[name].encode("utf-8"))
    before = _entries(project)
    code, _out, err = _add(capsys, project.root, str(source))
    assert (code, err) == (0, ""), err
    drafted = _added(project, before)
    for field, value in EXPECTED[name].items():
        if field == "bounds":
            not_before, not_after = value
            assert drafted["bounds"]["not_before"] == not_before
            assert drafted["bounds"]["not_after"] == (
                dt.date.today() if not_after == "today" else not_after
            )
        else:
            assert drafted.get(field) == value, field
    assert (project.seeds_dir / drafted["file"]).read_bytes() == source.read_bytes()
    load_articles(project.seeds_dir)


def test_bounds_say_why(project: Settings, capsys, tmp_path: Path):
    source = tmp_path / "yesterday.txt"
    source.write_text(TEXTS["yesterday"], encoding="utf-8")
    assert _add(capsys, project.root, str(source))[0] == 0
    article = load_articles(project.seeds_dir)["2023-peacekeeping-training-centre-opens-a-course"]
    assert article.bounds is not None
    assert "'yesterday' of 11 September 2023 (line 3:" in article.bounds.reasoning


def test_options_url_publisher_and_id(project: Settings, capsys, tmp_path: Path):
    source = tmp_path / "years-only.txt"
    source.write_text(TEXTS["years-only"], encoding="utf-8")
    before = _entries(project)
    code, _out, _err = _add(
        capsys,
        project.root,
        str(source),
        "--url",
        "https://news.example.org/bentiu-roads",
        "--publisher",
        "Steppe Defence Review",
        "--id",
        "undated-bentiu-roads",
    )
    assert code == 0
    drafted = _added(project, before)
    assert drafted["id"] == "undated-bentiu-roads"
    assert drafted["file"] == "undated-bentiu-roads.txt"
    assert drafted["url"] == "https://news.example.org/bentiu-roads"
    assert drafted["publisher"] == "Steppe Defence Review"


def test_a_reviewer_deletes_the_mark_and_nothing_else_is_allowed(project: Settings, capsys):
    source = project.root / "note.txt"
    source.write_text(TEXTS["updated"], encoding="utf-8")
    assert _add(capsys, project.root, str(source))[0] == 0
    listing = project.seeds_dir / "articles.yaml"
    drafted = listing.read_text(encoding="utf-8")
    listing.write_text(drafted.replace("review: draft", "review: done"), encoding="utf-8")
    with pytest.raises(InputError, match="field 'review' can only be 'draft'"):
        load_articles(project.seeds_dir)
    lines = [line for line in drafted.splitlines(keepends=True) if "review: draft" not in line]
    listing.write_text("".join(lines), encoding="utf-8")
    assert len(load_articles(project.seeds_dir)) == 6


# --- bad input changes nothing ------------------------------------------------------------

BAD = {
    "not UTF-8": (b"Peacekeepers rotate\n\nCaf\xe9 owners in Naqoura welcomed them.\n", []),
    "empty": (b"", []),
    "blank": (b" \n\t\n", []),
    "binary": (b"Title of a text\n\x00\x01\x02", []),
    "bad id": (b"Peacekeepers rotate in the Golan\n", ["--id", "Not An Id"]),
    "bad url": (b"Peacekeepers rotate in the Golan\n", ["--url", "news.example.org/x"]),
}
BAD_MESSAGES = {
    "not UTF-8": "bad.txt:3: not UTF-8 text (invalid continuation byte at byte 24)",
    "empty": "bad.txt: the file is empty",
    "blank": "bad.txt: the file holds only blanks",
    "binary": "bad.txt:2: not text: it holds NUL bytes",
    "bad id": "--id 'Not An Id' must be lower-case letters, digits and '-'",
    "bad url": "--url 'news.example.org/x' must be an http:// or https:// address",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_and_changes_nothing(
    project: Settings, capsys, tmp_path: Path, case: str
):
    data, options = BAD[case]
    source = tmp_path / "bad.txt"
    source.write_bytes(data)
    before = _inputs(project)
    code, out, err = _add(capsys, project.root, str(source), *options)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and BAD_MESSAGES[case] in err, err
    assert _inputs(project) == before


def test_the_same_bytes_twice_are_refused(project: Settings, capsys, tmp_path: Path):
    copy = tmp_path / "renamed.txt"
    copy.write_bytes((SHARED / "seeds" / "000_05ad8b16d664e899.txt").read_bytes())
    before = _inputs(project)
    code, _out, err = _add(capsys, project.root, str(copy))
    assert code == 1
    assert "already in seeds/ as article 2023-10-31-mali-return" in err
    assert "articles.yaml:7:" in err  # where that article's entry is
    assert _inputs(project) == before


def test_an_existing_id_is_refused(project: Settings, capsys, tmp_path: Path):
    source = tmp_path / "new.txt"
    source.write_text(TEXTS["updated"], encoding="utf-8")
    before = _inputs(project)
    code, _out, err = _add(capsys, project.root, str(source), "--id", "2023-10-31-mali-return")
    assert code == 1
    assert "article id '2023-10-31-mali-return' exists; give the new article another" in err
    assert _inputs(project) == before


def test_an_id_whose_mapping_exists_is_refused(project: Settings, capsys, tmp_path: Path):
    source = tmp_path / "new.txt"
    source.write_text(TEXTS["updated"], encoding="utf-8")
    (project.mappings_dir / "articles" / "orphan.yaml").write_text("article: orphan\n")
    before = _inputs(project)
    code, _out, err = _add(capsys, project.root, str(source), "--id", "orphan")
    assert code == 1 and "orphan.yaml: exists already" in err
    assert _inputs(project) == before


def test_an_entry_that_does_not_load_is_taken_back(
    project: Settings, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Written last, checked by the build's own loader, and undone if that refuses it."""
    source = tmp_path / "new.txt"
    source.write_text(TEXTS["updated"], encoding="utf-8")
    loads = []

    def load_once(seeds_dir: Path) -> dict:
        loads.append(seeds_dir)
        if len(loads) > 1:
            raise InputError(seeds_dir / "articles.yaml", 84, "refused")
        return load_articles(seeds_dir)

    monkeypatch.setattr("peacekg.drafting.add.load_articles", load_once)
    before = _inputs(project)
    code, _out, err = _add(capsys, project.root, str(source))
    assert code == 1 and "articles.yaml:84: refused" in err
    assert _inputs(project) == before


def test_outside_a_project_add_says_so(tmp_path: Path, capsys):
    source = tmp_path / "a.txt"
    source.write_text(TEXTS["updated"], encoding="utf-8")
    code, _out, err = _add(capsys, tmp_path, str(source))
    assert code == 1 and "is not a peacekg project: no seeds/, mappings/, ontology/" in err


# --- and then it builds -------------------------------------------------------------------


def test_an_added_article_builds_once_it_has_a_mapping(project: Settings, capsys, tmp_path):
    source = tmp_path / "reuters.txt"
    source.write_text(TEXTS["reuters"], encoding="utf-8")
    assert _add(capsys, project.root, str(source))[0] == 0
    article_id = "2025-01-08-kazakhstan-extends-its-staff-officers-tour"
    build = ["--root", str(project.root), "--build-dir", str(project.output_dir), "build"]

    assert main(build) == 1  # the build says what is missing, and nothing is released
    err = capsys.readouterr().err
    assert f"article '{article_id}' has no mapping in mappings/articles/" in err
    assert not (project.output_dir / "current").exists()

    (project.mappings_dir / "articles" / f"{article_id}.yaml").write_text(
        f"article: {article_id}\n"
        "facts:\n"
        "  - id: mention-unmiss\n"
        "    type: mention\n"
        "    entity: operation/unmiss\n"
        "    quote: Mission in South Sudan\n",
        encoding="utf-8",
    )
    assert main(build) == 0, capsys.readouterr().err
    assert "6 article(s) checked" in capsys.readouterr().out
