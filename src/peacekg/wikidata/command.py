"""The `peacekg wikidata` command (resolve, check), added to the CLI by `add_parser`."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from peacekg.config import Settings
from peacekg.wikidata import check as checking
from peacekg.wikidata import resolve as resolving
from peacekg.wikidata.api import API_URL, SPARQL_URL, Endpoints, Wikidata
from peacekg.wikidata.client import PROJECT_URL, Http, HttpPolicy, WikidataError
from peacekg.wikidata.ours import Ours, our_entities
from peacekg.wikidata.registry_edit import add_links

EXIT_MISMATCH = 1
EXIT_UNAVAILABLE = 3
REVIEW_FILE = "wikidata-review.yaml"
DESCRIPTION = """Links to Wikidata that are never guessed (docs/wikidata.md); needs network access.
Exit codes: 0 done; 1 check found a mismatch (or the input is bad); 3 Wikidata could not be
asked or answered unusably, and nothing was written."""
RESOLVE = """For each entity without a QID: look it up by its English Wikipedia title (without one,
by exact English label or alias), compare every candidate's names, instance-of and dates with
ours, and write both sides into a review file. Verdicts: accept (found by our Wikipedia title,
and everything agrees: --accept writes it into mappings/registry.yaml, status resolved);
review (found by label only: link it by hand if you confirm it); reject (something disagrees:
never linked)."""
CHECK = """Re-fetch every linked Wikidata item and report names, instance-of, dates or Wikipedia
pairing that no longer agree, and items merged or deleted since; exit 1 on any mismatch."""

Run = Callable[[argparse.Namespace, Settings], int]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add `wikidata resolve` and `wikidata check`, each with `run(args, settings) -> int`."""
    access = _access_options()
    wikidata = subparsers.add_parser(
        "wikidata",
        help="propose and re-check links to Wikidata (needs network access)",
        description=DESCRIPTION,
    )
    sub = wikidata.add_subparsers(dest="wikidata_command", required=True)
    r = sub.add_parser(
        "resolve",
        parents=[access],
        help="propose QIDs for entities without one, into a review file",
        description=RESOLVE,
    )
    r.add_argument(
        "entities", nargs="*", metavar="ENTITY", help="kind/id (default: every entity without QID)"
    )
    r.add_argument("--review", type=Path, help=f"review file (default: <build dir>/{REVIEW_FILE})")
    r.add_argument(
        "--accept",
        action="store_true",
        help="write the candidates with verdict 'accept' into mappings/registry.yaml",
    )
    r.set_defaults(run=run_resolve)
    c = sub.add_parser(
        "check",
        parents=[access],
        help="re-verify every existing link; exit 1 on a mismatch",
        description=CHECK,
    )
    c.add_argument(
        "entities", nargs="*", metavar="ENTITY", help="kind/id (default: every linked entity)"
    )
    c.set_defaults(run=run_check)


def _access_options() -> argparse.ArgumentParser:
    """The options both commands share: where Wikidata is and how patient to be with it."""
    access = argparse.ArgumentParser(add_help=False)
    group = access.add_argument_group("Wikidata access")
    group.add_argument("--api-url", default=API_URL, help="Action API (default: %(default)s)")
    group.add_argument(
        "--sparql-url", default=SPARQL_URL, help="query service (default: %(default)s)"
    )
    group.add_argument(
        "--timeout",
        type=_positive,
        default=HttpPolicy.timeout,
        help="seconds to wait for each answer (default: %(default)s)",
    )
    group.add_argument(
        "--retries",
        type=int,
        choices=range(11),
        default=HttpPolicy.retries,
        metavar="0..10",
        help="retries of a request answered HTTP 429 (default: %(default)s)",
    )
    group.add_argument(
        "--max-wait",
        type=_positive,
        default=HttpPolicy.max_wait,
        help="seconds a run may spend waiting on Retry-After in all (default: %(default)s)",
    )
    group.add_argument(
        "--contact",
        default=PROJECT_URL,
        help="URL or e-mail sent in the User-Agent, as Wikimedia asks: use your own "
        "(default: %(default)s)",
    )
    return access


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _reports_wikidata_errors(run: Run) -> Run:
    """Turn a WikidataError into its message on stderr and EXIT_UNAVAILABLE."""

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return run(args, settings)
        except WikidataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE

    return wrapped


def _client(args: argparse.Namespace) -> Wikidata:
    policy = HttpPolicy(args.timeout, args.retries, args.max_wait, args.contact)
    return Wikidata(Http(policy), Endpoints(args.api_url, args.sparql_url))


def _select(entities: dict[str, Ours], refs: list[str], linked: bool) -> list[Ours]:
    """The named entities (each must exist and be linked, or not), else all that qualify."""
    for ref in refs:
        if ref not in entities:
            raise ValueError(f"unknown entity {ref!r} (not in mappings/registry.yaml)")
        link = entities[ref].entity.wikidata
        if linked and link is None:
            raise ValueError(f"{ref} has no QID to check; see `peacekg wikidata resolve`")
        if not linked and link is not None:
            raise ValueError(f"{ref} is already linked to {link.qid}; see `peacekg wikidata check`")
    if refs:
        return [entities[ref] for ref in refs]
    return [ours for ours in entities.values() if (ours.entity.wikidata is not None) == linked]


@_reports_wikidata_errors
def run_resolve(args: argparse.Namespace, settings: Settings) -> int:
    """Propose candidates into the review file; with --accept, link the accepted ones."""
    entities = our_entities(settings)
    chosen = _select(entities, args.entities, linked=False)
    taken = {o.entity.wikidata.qid: ref for ref, o in entities.items() if o.entity.wikidata}
    client = _client(args)
    proposals = resolving.resolve(chosen, client, taken)
    today = dt.date.today()
    review = args.review or settings.output_dir / REVIEW_FILE
    resolving.write_review(review, proposals, client.endpoints, today)
    for proposal in proposals:
        verdicts = [
            f"{c.verdict} {c.item.qid} {c.item.label or '(no English label)'!r}"
            + (f" ({c.comparison.disagreements[0]})" if c.comparison.disagreements else "")
            for c in proposal.candidates
        ]
        print(f"{proposal.ours.entity.ref}: {'; '.join(verdicts) or 'no candidate'}")
    print(f"review file: {review}")
    if args.accept:
        links = resolving.accepted_links(proposals, client.endpoints, today)
        if links:
            path = add_links(settings, links)
            for ref, link in links.items():
                print(f"linked {ref} to {link.qid} (status {link.status}) in {path}")
            print("run `peacekg build` to publish the new links")
        else:
            print("nothing to accept: no candidate found by its Wikipedia title fully agrees")
    return 0


@_reports_wikidata_errors
def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Re-verify each link; exit EXIT_MISMATCH if any no longer fits."""
    chosen = _select(our_entities(settings), args.entities, linked=True)
    findings = checking.check(chosen, _client(args))
    for finding in findings:
        ref = finding.ours.entity.ref
        if finding.problems:
            print(f"MISMATCH {ref} {finding.qid}: {'; '.join(finding.problems)}")
        else:
            print(f"ok       {ref} {finding.qid}: {'; '.join(finding.agreements)}")
    bad = sum(1 for f in findings if f.problems)
    print(f"checked {len(findings)} link(s): {len(findings) - bad} agree, {bad} mismatch(es)")
    return EXIT_MISMATCH if bad else 0
