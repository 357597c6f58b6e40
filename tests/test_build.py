"""The build: store and dumps agree; a failed build keeps the last good graph; no overlap."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import gzip
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat, Store, parse

from peacekg.build.pipeline import BuildLockedError, build, build_lock
from peacekg.config import Settings
from peacekg.errors import BuildErrors
from peacekg.releases import open_store, read_manifest


def test_build_writes_store_dumps_and_manifest(built):
    settings, result = built
    manifest = read_manifest(settings.output_dir)
    assert manifest["quads"] == result.quads == len(open_store(settings.output_dir))
    graphs = set(manifest["graphs"])
    base = settings.base_iri + "graph/"
    assert {base + "ontology", base + "registry", base + "metadata"} <= graphs
    assert {g for g in graphs if g.startswith(base + "article/")} == {
        base + "article/" + a for a in manifest["articles"]
    }
    assert len(manifest["articles"]) == 5
    dumps = settings.output_dir / "dumps"
    assert sorted(p.name for p in dumps.iterdir()) == sorted(manifest["dumps"])
    # the build's own profile: every stage, in the order they ran, within the whole
    stages = ["assemble", "consistency", "reason", "write", "compare", "validate", "store", "dumps"]
    stages.append("digest")  # the content digest, written beside the store and the dumps
    assert list(result.stages) == stages
    assert 0 < sum(result.stages.values()) <= result.seconds


def _gunzip(path: Path) -> bytes:
    with gzip.open(path) as handle:
        return handle.read()


def test_dumps_parse_with_rdflib_and_pyoxigraph_to_the_same_counts(built):
    settings, result = built
    dumps = settings.output_dir / "dumps"

    trig_ox = list(parse(path=dumps / "peacekg.trig", format=RdfFormat.TRIG))
    nq_ox = list(parse(_gunzip(dumps / "peacekg.nq.gz"), format=RdfFormat.N_QUADS))
    trig_rdflib = rdflib.Dataset()
    trig_rdflib.parse(dumps / "peacekg.trig", format="trig")
    nq_rdflib = rdflib.Dataset()
    nq_rdflib.parse(data=_gunzip(dumps / "peacekg.nq.gz").decode(), format="nquads")
    quad_counts = {
        len(trig_ox),
        len(set(nq_ox)),
        sum(1 for _ in trig_rdflib.quads((None, None, None, None))),
        sum(1 for _ in nq_rdflib.quads((None, None, None, None))),
    }
    assert quad_counts == {result.quads}

    ttl_ox = list(parse(path=dumps / "peacekg.ttl", format=RdfFormat.TURTLE))
    nt_ox = list(parse(_gunzip(dumps / "peacekg.nt.gz"), format=RdfFormat.N_TRIPLES))
    ttl_rdflib = rdflib.Graph().parse(dumps / "peacekg.ttl", format="turtle")
    nt_rdflib = rdflib.Graph().parse(data=_gunzip(dumps / "peacekg.nt.gz").decode(), format="nt")
    union = len({q.triple for q in trig_ox})
    assert {len(ttl_ox), len(nt_ox), len(ttl_rdflib), len(nt_rdflib)} == {union}
    assert union <= result.quads  # the union merges any triple stated in several graphs


def test_manifest_checksums_match_the_files(built):
    import hashlib

    settings, _ = built
    manifest = read_manifest(settings.output_dir)
    for name, info in manifest["dumps"].items():
        data = (settings.output_dir / "dumps" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"]
        assert len(data) == info["bytes"]


def test_failed_build_leaves_the_last_good_graph_serving(project: Settings):
    first = build(project)
    before = read_manifest(project.output_dir)
    mapping = project.root / "mappings/articles/2023-10-31-mali-return.yaml"
    mapping.write_text(mapping.read_text().replace("309 peacekeepers", "390 peacekeepers"))
    with pytest.raises(BuildErrors):
        build(project)
    assert (project.output_dir / "current").resolve() == first.release
    assert read_manifest(project.output_dir) == before
    store = open_store(project.output_dir)
    assert len(store) == first.quads
    assert store.query("ASK { GRAPH ?g { ?s ?p ?o } }")


@pytest.mark.slow
def test_rebuild_swaps_in_a_new_release_and_prunes_old_ones(project: Settings):
    project = dataclasses.replace(project, keep_releases=2)
    registry = project.root / "mappings" / "registry.yaml"
    releases = []
    for label in ("Ermek Tulesov", "Ermek Tulesov I", "Ermek Tulesov II"):
        registry.write_text(registry.read_text().replace("label: Ermek Tulesov", f"label: {label}"))
        releases.append(build(project).release)
        registry.write_text(registry.read_text().replace(f"label: {label}", "label: Ermek Tulesov"))
    assert (project.output_dir / "current").resolve() == releases[-1]
    left = sorted(p.name for p in (project.output_dir / "releases").iterdir())
    assert len(left) == 2 and releases[-1].name in left and releases[0].name not in left
    assert len(Store.read_only(str(releases[-1] / "store"))) == len(open_store(project.output_dir))


def test_a_second_build_while_one_runs_is_refused(project: Settings):
    with build_lock(project.output_dir), pytest.raises(BuildLockedError, match="another build"):
        build(project)


@pytest.mark.process
def test_cli_build_and_query(project: Settings, tmp_path: Path):
    exe = Path(sys.executable).with_name("peacekg")
    env_args = ["--build-dir", str(project.output_dir)]
    done = subprocess.run(
        [exe, *env_args, "build"],
        capture_output=True,
        text=True,
        env={"PEACEKG_ROOT": str(project.root), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "quads" in done.stdout and "peacekg.trig" in done.stdout
    assert re.search(r"^stages: assemble \d+\.\ds, consistency ", done.stdout, re.M)
    assert "build: " not in done.stderr  # no progress display when not on a terminal
    query = project.root / "queries" / "officers-in-more-than-one-mission.rq"
    table = subprocess.run([exe, *env_args, "query", str(query)], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    assert "Ermek Tulesov" in table.stdout and "(1 row)" in table.stdout
    as_json = subprocess.run(
        [exe, *env_args, "query", str(query), "--format", "json"], capture_output=True, text=True
    )
    names = [b["name"]["value"] for b in json.loads(as_json.stdout)["results"]["bindings"]]
    assert names == ["Ermek Tulesov"]
    broken = subprocess.run(
        [exe, *env_args, "query", "-"], input="SELECT * WHERE {", capture_output=True, text=True
    )
    assert broken.returncode == 2 and "SPARQL syntax error" in broken.stderr


@pytest.mark.process
def test_cli_validate_reports_on_the_built_graph(built):
    settings, result = built
    exe = Path(sys.executable).with_name("peacekg")
    done = subprocess.run(
        [exe, "--build-dir", str(settings.output_dir), "validate"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = len(result.report.warnings)  # the build's own report, and some there are
    assert warnings and done.stdout.rstrip().endswith(f"0 violation(s), {warnings} warning(s)")
    assert "mappings/articles/undated-golan-send-off.yaml:" in done.stdout


@pytest.mark.process
def test_cli_build_failure_prints_located_errors(project: Settings):
    exe = Path(sys.executable).with_name("peacekg")
    mapping = project.root / "mappings/articles/2023-10-31-mali-return.yaml"
    mapping.write_text(mapping.read_text().replace("309 peacekeepers", "390 peacekeepers"))
    done = subprocess.run(
        [exe, "--build-dir", str(project.output_dir), "build"],
        capture_output=True,
        text=True,
        env={"PEACEKG_ROOT": str(project.root)},
    )
    assert done.returncode == 1
    assert "2023-10-31-mali-return.yaml:" in done.stderr and "quote not found" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.process
def test_a_build_on_a_terminal_shows_what_it_is_doing(project: Settings):
    """On a terminal (a pseudo-terminal with a size here) the running stage is shown live."""
    exe = Path(sys.executable).with_name("peacekg")
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [exe, "--build-dir", str(project.output_dir), "build"],
        stdin=terminal,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env={"PEACEKG_ROOT": str(project.root), "PATH": "/usr/bin:/bin"},
    )
    os.close(terminal)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once the build has exited and closed its side
        while chunk := os.read(main, 65536):
            shown += chunk
    os.close(main)
    assert process.wait(300) == 0
    for stage in ("assemble", "reason", "validate", "store", "dumps"):
        assert f"build: {stage}".encode() in shown, shown[-500:]


def test_turtle_dumps_write_no_escaped_local_names(built):
    """`place:kazakhstan\\#wikidata` is valid Turtle, but Virtuoso keeps the backslash in the
    IRI: IRIs whose local name would need an escape are written in full instead."""
    settings, _ = built
    dumps = settings.output_dir / "dumps"
    for name in ("peacekg.ttl", "peacekg.trig"):
        text = (dumps / name).read_text(encoding="utf-8")
        assert not re.search(r"[A-Za-z0-9_-]+:[^\s<>\"]*\\[#/?~.!$&'()*+,;=@%]", text), name
        assert "<https://w3id.org/peacekg/id/place/kazakhstan#wikidata>" in text
    # and they still say exactly what the N-Quads dump says
    trig = set(parse(path=dumps / "peacekg.trig", format=RdfFormat.TRIG))
    assert trig == set(parse(_gunzip(dumps / "peacekg.nq.gz"), format=RdfFormat.N_QUADS))
