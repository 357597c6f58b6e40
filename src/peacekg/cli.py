"""The `peacekg` command: build the graph, check it, query it and serve it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from peacekg.build.background import BackgroundError
from peacekg.build.consistency import InconsistencyError, ReasonerUnavailableError
from peacekg.build.dataset import ARTICLE_MAPPINGS
from peacekg.build.pipeline import BuildLockedError, build
from peacekg.build.validation import ValidationFailedError, validate
from peacekg.config import ROOT_VARIABLE, ServerSettings, Settings, project_root
from peacekg.diagram import GraphvizMissingError, architecture_dot, diagram_svg, svg
from peacekg.drafting.add import add_parser as add_add_parser
from peacekg.drafting.draft import add_parser as add_draft_parser
from peacekg.drafting.review import add_parser as add_review_parser
from peacekg.endpoint.dialects import NAMES as DIALECT_NAMES
from peacekg.endpoint.local import FORMATS, run, serialize, table
from peacekg.errors import BuildErrors, InputError
from peacekg.inputs.seeds import load_articles
from peacekg.mapping.coverage import Gap, gaps
from peacekg.mapping.drafts import pending_lines
from peacekg.namespaces import Namespaces
from peacekg.publish.command import add_parser as add_publish_parser
from peacekg.publish.remote import PublishError
from peacekg.releases import NoGraphError, open_store, read_manifest
from peacekg.web.serve import serve
from peacekg.wikidata.command import add_parser as add_wikidata_parser


def _coverage_gaps(settings: Settings, only: list[str] | None = None) -> list[Gap]:
    articles = load_articles(settings.seeds_dir)
    unknown = sorted(set(only or ()) - set(articles))
    if unknown:
        raise ValueError(f"unknown article(s) {', '.join(unknown)}; known: {', '.join(articles)}")
    found: list[Gap] = []
    for article_id in only or sorted(articles):
        mapping = settings.mappings_dir / ARTICLE_MAPPINGS / f"{article_id}.yaml"
        if mapping.exists():
            found.extend(gaps(articles[article_id], mapping))
    return found


def _coverage(args: argparse.Namespace, settings: Settings) -> int:
    found = _coverage_gaps(settings, args.articles)
    for gap in found:
        print(gap.shown(settings.root))
    print(f"{len(found)} factual sentence(s) with no fact and no waiver")
    return 1 if found else 0


def _build(args: argparse.Namespace, settings: Settings) -> int:
    if args.require_coverage and (found := _coverage_gaps(settings)):
        raise BuildErrors(
            [
                InputError(g.path, g.sentence.line, f"no fact or waiver: {g.sentence.text}")
                for g in found
            ]
        )
    result = build(settings)
    manifest = read_manifest(settings.output_dir)
    for warning in result.report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"built {result.quads} quads ({result.inferred} inferred) in {result.graphs} named graphs "
        f"in {result.seconds:.1f}s; {result.checked} article(s) checked, the rest unchanged; "
        "consistent (HermiT); SHACL: 0 violations, "
        f"{len(result.report.warnings)} warnings"
    )
    print("stages: " + ", ".join(f"{name} {sec:.1f}s" for name, sec in result.stages.items()))
    if result.whole:  # see docs/reasoning.md#incremental-builds
        print(f"reasoned over all graphs together, not article by article: {result.whole[0]}")
    for line in pending_lines(settings.mappings_dir / ARTICLE_MAPPINGS, settings.root):
        print(line)
    print(_release_line(result.release.name, result.reused, manifest))
    print(f"store: {result.release / 'store'}")
    print(f"dumps: {settings.output_dir / 'dumps'}")
    for name, info in manifest["dumps"].items():  # type: ignore[union-attr]
        print(f"  {name:<16} {info['statements']:>7} statements  {info['bytes']:>9} bytes")
    return 0


def _release_line(release: str, reused: bool, manifest: dict[str, object]) -> str:
    """What the build released: the id, and what changed since the release served before."""
    if reused:
        return f"release: {release} (the same content as before: served again)"
    changes = manifest.get("changes")
    if not isinstance(changes, dict):
        return f"release: {release} (the first)"
    articles, triples = changes["articles"], changes["triples"]
    counts = ", ".join(f"{len(ids)} {what}" for what, ids in articles.items())
    return (
        f"release: {release}; since {manifest['previous']}: articles {counts}; "
        f"triples +{triples['added']} -{triples['removed']}"
    )


def _query(args: argparse.Namespace, settings: Settings) -> int:
    source = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    store = open_store(settings.output_dir)
    prefixes = Namespaces(settings.base_iri).prefixes()
    try:
        result = run(store, source, prefixes)
    except SyntaxError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        if args.format == "table":
            print(table(result, prefixes))
        else:
            sys.stdout.buffer.write(serialize(result, args.format))
        sys.stdout.flush()
    except BrokenPipeError:  # `peacekg query … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    quads = list(open_store(settings.output_dir))
    report = validate(quads, settings.shapes_dir, Namespaces(settings.base_iri))
    print(report.text())
    return 0 if report.conforms else 1


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    server = ServerSettings.from_env(
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        workers=args.workers,
        data_files=tuple(args.data) if args.data else None,
        service_allowlist=tuple(args.allow_service) if args.allow_service else None,
        backend=args.backend,
        backend_dialect=args.backend_dialect,
        client_queries=args.client_queries,
        client_seconds=args.client_seconds,
        client_workers=args.client_workers,
        read_timeout=args.read_timeout,
        answer_cache_mb=args.answer_cache_mb,
        trusted_proxy=args.trusted_proxy,
        trusted_proxy_header=args.trusted_proxy_header,
    )
    serve(settings, server)
    return 0


def _diagram(args: argparse.Namespace, settings: Settings) -> int:
    if args.architecture:
        args.output.write_bytes(svg(architecture_dot(Path(__file__).parent)))
    else:
        args.output.write_bytes(diagram_svg(settings.ontology_dir))
    print(f"wrote {args.output}")
    return 0


def _root_help(argv: list[str] | None) -> str:
    """What `--help` says of --root: the directory this very command line would use, and why."""
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--root", type=Path)
    try:
        given = early.parse_known_args(argv)[0].root
    except argparse.ArgumentError:  # `--root` without a value: the real parser says so
        given = None
    root, how = project_root(given)
    return (
        "the project: seeds/, mappings/, ontology/, shapes/, queries/ (default: "
        f"${ROOT_VARIABLE}, else the current directory; here: {root.absolute()}, from {how})"
    )


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line; `argv` only tells `--help` which project root it would use."""
    p = argparse.ArgumentParser(prog="peacekg", description=__doc__)
    p.add_argument("--root", type=Path, metavar="DIR", help=_root_help(argv))
    p.add_argument("--build-dir", type=Path, help="where builds go (default: ROOT/build)")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="map, reason, check, validate, then store and dump")
    b.add_argument(
        "--require-coverage",
        action="store_true",
        help="fail if a factual sentence has no fact and no waiver (see peacekg coverage)",
    )
    b.add_argument(
        "--keep",
        type=int,
        metavar="N",
        dest="keep_releases",
        help="releases to keep, the served one included (default: $PEACEKG_KEEP_RELEASES, else 5)",
    )
    b.set_defaults(run=_build)
    c = sub.add_parser(
        "coverage", help="list factual sentences that no fact covers and no waiver explains"
    )
    c.add_argument("articles", nargs="*", metavar="ARTICLE", help="article ids (default: all)")
    c.set_defaults(run=_coverage)
    v = sub.add_parser("validate", help="SHACL + closed-vocabulary report on the built graph")
    v.set_defaults(run=_validate)
    _add_serve_parser(sub)
    d = sub.add_parser(
        "diagram", help="draw the data model (SVG) from the ontology; needs graphviz"
    )
    d.add_argument("-o", "--output", type=Path, default=Path("docs/data-model.svg"))
    d.add_argument(
        "--architecture",
        action="store_true",
        help="draw the package's stages and which imports which, from the code, instead",
    )
    d.set_defaults(run=_diagram)
    q = sub.add_parser("query", help="run a SPARQL query file (or - for stdin) on the built graph")
    q.add_argument("file")
    q.add_argument("--format", choices=["table", *FORMATS], default="table")
    q.set_defaults(run=_query)
    add_wikidata_parser(sub)
    add_publish_parser(sub)
    add_draft_parser(sub)
    add_review_parser(sub)
    add_add_parser(sub)
    return p


def _add_serve_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "serve", help="serve the SPARQL endpoint (default http://127.0.0.1:8000/sparql)"
    )
    s.add_argument(
        "--data",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="serve these RDF files instead of the built graph (TriG/N-Quads keep graphs)",
    )
    s.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 8000)")
    s.add_argument("--timeout", type=float, help="seconds before a query is stopped (default 30)")
    s.add_argument("--workers", type=int, help="query worker processes (default 2)")
    s.add_argument(
        "--allow-service",
        nargs="+",
        metavar="URL",
        help="SPARQL endpoints that SERVICE may call (default: none)",
    )
    s.add_argument(
        "--backend",
        metavar="URL",
        help="answer queries from this remote SPARQL endpoint holding the same release "
        "(e.g. Oxigraph server's http://host:7878/query) instead of the embedded store; "
        "pages, VoID and dumps still come from the build directory",
    )
    s.add_argument(
        "--backend-dialect",
        choices=DIALECT_NAMES,
        help="how to speak to the --backend store: its union default graph, DESCRIBE, literal "
        "forms and timeout parameter (default auto: recognised from its Server header; "
        "sparql11 for any other store)",
    )
    s.add_argument(
        "--answer-cache-mb",
        type=int,
        metavar="MB",
        help="megabytes of answers kept (by ETag, and as sent), so a repeated request to the same "
        "release is not worked out again (64; 0: none; Cache-Control: no-cache asks afresh)",
    )
    limits = s.add_argument_group(
        "fairness", "per-client limits (a client is an address; see docs/deploy.md)"
    )
    limits.add_argument(
        "--client-queries", type=int, metavar="N", help="queries in flight per client (5)"
    )
    limits.add_argument(
        "--client-seconds", type=float, metavar="S", help="query seconds per client a minute (60)"
    )
    limits.add_argument(
        "--client-workers",
        type=int,
        metavar="N",
        help="query workers one client may hold at once (default: half, at least 1)",
    )
    limits.add_argument(
        "--read-timeout",
        type=float,
        metavar="S",
        help="seconds a connection has to send its request (15)",
    )
    limits.add_argument(
        "--trusted-proxy",
        metavar="ADDR",
        help="the reverse proxy (its address) whose header names the client",
    )
    limits.add_argument(
        "--trusted-proxy-header",
        choices=("x-forwarded-for", "forwarded"),
        help="the header that proxy sets (default x-forwarded-for)",
    )
    s.set_defaults(run=_serve)


def _configure_logging() -> None:
    """Warnings and errors on stderr as `LEVEL:logger:message`; libraries' progress notes (pyLODE
    logs at INFO) stay out. pyLODE also adds a root handler when imported, which makes
    basicConfig a no-op: hence the explicit level."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)


FROM_A_BUILD = frozenset({"query", "serve", "publish"})
"""Commands that need a build directory only, not the project's inputs."""


def _settings(args: argparse.Namespace) -> Settings:
    """The run's settings; ValueError, saying where the root came from, if the command reads
    the project's inputs and the root holds none (run from the wrong directory)."""
    root, how = project_root(args.root)
    settings = Settings.from_env(
        root=root, build_dir=args.build_dir, keep_releases=getattr(args, "keep_releases", None)
    )
    inputs = (settings.seeds_dir, settings.mappings_dir, settings.ontology_dir)
    missing = [f"{path.name}/" for path in inputs if not path.is_dir()]
    if missing and args.command not in FROM_A_BUILD:
        raise ValueError(
            f"{root.absolute()} (from {how}) is not a peacekg project: no {', '.join(missing)}; "
            f"give --root DIR or set {ROOT_VARIABLE}"
        )
    return settings


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    args = parser(argv).parse_args(argv)
    try:
        return int(args.run(args, _settings(args)))
    except BuildErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        print(
            f"build failed with {len(exc.errors)} error(s); the previous graph is untouched",
            file=sys.stderr,
        )
        return 1
    except ValidationFailedError as exc:
        print(exc.report.text(), file=sys.stderr)
        print("build failed validation; the previous graph is untouched", file=sys.stderr)
        return 1
    except InconsistencyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(
            "build failed the OWL consistency check; the previous graph is untouched",
            file=sys.stderr,
        )
        return 1
    except (
        InputError,
        BuildLockedError,
        NoGraphError,
        ReasonerUnavailableError,
        GraphvizMissingError,
        PublishError,
        ValueError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # disk full, permissions, I/O errors of the store (RocksDB), a writer process that died
    except (OSError, BackgroundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.command == "build":
            print("build failed; the previous graph is untouched", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
