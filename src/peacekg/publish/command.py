"""`peacekg publish`: the command line of this stage (cli.py adds it as a subcommand)."""

from __future__ import annotations

import argparse

from peacekg.config import PUBLISH_TOKEN_VARIABLE, Settings, publish_token
from peacekg.publish.authorization import Credentials
from peacekg.publish.graphs import find_release
from peacekg.publish.publisher import publish, status
from peacekg.publish.remote import Endpoints, Remote
from peacekg.releases import NoGraphError, current_release, read_release

DESCRIPTION = """Push a release (default: the current one) to another SPARQL store, every named
graph under its own name. Graphs the store already holds (by digest, from the publication record
it keeps in {base}graph/publication) are not sent again; each graph is replaced whole; afterwards
every graph's triple count on the store is checked against the release's manifest. A bare server
URL (http://host:7878) is read as Oxigraph server's layout (/query, /update, /store); any other
URL as a SPARQL endpoint for queries and updates (--update for a store that takes updates
elsewhere), with --graph-store for the Graph Store Protocol."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "publish", help="push a release to another SPARQL store", description=DESCRIPTION
    )
    p.add_argument("--to", required=True, metavar="URL", help="the store (see above)")
    p.add_argument("--graph-store", metavar="URL", help="its Graph Store Protocol endpoint")
    p.add_argument(
        "--update",
        metavar="URL",
        help="its SPARQL Update endpoint, where that is not --to "
        "(GraphDB: /repositories/ID/statements)",
    )
    p.add_argument("--release", metavar="ID", help="a kept release (default: the current one)")
    p.add_argument(
        "--protocol",
        choices=("gsp", "update", "auto"),
        default="auto",
        help="how graphs are sent: Graph Store PUT, SPARQL Update, or GSP falling back to "
        "Update on 404/405/415 (default: auto)",
    )
    p.add_argument("--user", help="HTTP Basic user (else the token in $" + PUBLISH_TOKEN_VARIABLE)
    p.add_argument("--password", help="HTTP Basic password")
    p.add_argument("--status", action="store_true", help="only say which release the store holds")
    p.add_argument(
        "--loaded",
        action="store_true",
        help="the store was loaded from this release's dump by its own bulk loader: send "
        "nothing, check every graph's count, record the release (docs/deploy.md)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    credentials = Credentials(args.user, args.password, None if args.user else publish_token())
    remote = Remote(Endpoints.of(args.to, args.graph_store, args.update), credentials)
    if args.status:
        return _status(remote, settings)
    release = find_release(settings.output_dir, args.release)
    done = publish(release, remote, args.protocol, loaded=args.loaded)
    if args.loaded:
        print(
            f"recorded release {done.release} as loaded into {args.to}: {len(done.recorded)} "
            f"graph(s) recorded, {len(done.skipped)} already recorded, every count checked"
        )
        return 0
    print(
        f"published release {done.release} to {args.to} by {done.protocol}: "
        f"{len(done.sent)} graph(s) sent ({done.triples_sent} triples), "
        f"{len(done.skipped)} unchanged, {len(done.dropped)} dropped"
    )
    return 0


def _status(remote: Remote, settings: Settings) -> int:
    record = status(remote, settings.base_iri)
    if record.release is None:
        held = f"{len(record.graphs)} graph(s) from an unfinished publish" if record.graphs else ""
        print(f"the store holds no published release{'; ' + held if held else ''}")
        return 0
    print(
        f"the store holds release {record.release} (published {record.published}, "
        f"{len(record.graphs)} graphs)"
    )
    try:
        here = read_release(current_release(settings.output_dir))
    except NoGraphError:  # no build here: the remote's state is still worth saying
        here = None
    if here is not None:
        same = here.digest == record.digest
        print(f"the current release here is {here.id}: {'the same' if same else 'different'}")
    return 0
