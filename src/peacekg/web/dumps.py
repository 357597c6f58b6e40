"""The releases and their dumps: `/dumps` lists the kept releases (what changed, sizes, counts,
SHA-256), `/dumps/<release>/<file>` is a file that never changes, and `/dumps/latest/…` (or a
file name alone, `/dumps/peacekg.ttl`) redirects to the release being served.

A release id comes from a URL: it is only compared with the ids of the kept releases, and a
file name with the files that release's manifest lists, so nothing else on disk can be reached.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from peacekg.endpoint.formats import HTML, Kind, for_kind
from peacekg.releases import Release
from peacekg.web.cite import release_citation, served_release, today
from peacekg.web.errors import ReleaseNotFound
from peacekg.web.http import choose, conditional, file_in
from peacekg.web.state import state
from peacekg.web.void import void_answer

blueprint = Blueprint("dumps", __name__)
LATEST = "latest"


def _kept(release: str) -> Release:
    """The kept release with this id, or a 404 that lists those kept."""
    found = state().source.find(release)
    if found is None:
        raise _missing(release)
    return found


def _missing(release: str) -> ReleaseNotFound:
    kept = [r.id for r in state().source.releases()]
    return ReleaseNotFound(release, kept, request.host_url)


def _served() -> Release:
    found = served_release(state().source)
    if found is None:
        abort(404, description="this server serves files given on its command line: no dumps")
    return found


def _page(releases: list[Release], single: bool) -> Response:
    """The releases as a page, with a citation of the first (the served one, or the one shown)."""
    served = state().source.release()
    key = (served, tuple(r.id for r in releases), single, today(), request.host_url)
    return conditional(
        key,
        lambda: Response(
            render_template(
                "dumps.html",
                releases=releases,
                served=served,
                single=single,
                cite=release_citation(releases[0] if single else served_release(state().source)),
            )
        ),
    )


@blueprint.get("/dumps")
@blueprint.get("/dumps/")
def listing() -> ResponseReturnValue:
    """Every kept release as a page, or their VoID/DCAT description for RDF clients."""
    renderer = choose((HTML, *for_kind(Kind.GRAPH)), fallback=HTML)
    if renderer is not HTML:
        return void_answer(renderer)
    return _page(state().source.releases(), single=False)


@blueprint.get("/dumps/<release>/")
def release_page(release: str) -> ResponseReturnValue:
    if release == LATEST:
        return redirect(url_for("dumps.release_page", release=_served().id))
    return _page([_kept(release)], single=True)


@blueprint.get("/dumps/<release>/<name>")
def download(release: str, name: str) -> ResponseReturnValue:
    """A dump file of a release, its checksum its ETag: the same bytes for as long as it is kept."""
    found = _served() if release == LATEST else _kept(release)
    if name not in found.dumps:
        abort(404, description=f"release {found.id} has no dump named {name}")
    if release == LATEST:
        return redirect(url_for("dumps.download", release=found.id, name=name))
    return conditional(
        found.dumps[name]["sha256"], lambda: file_in(found.dumps_dir, name), file=True
    )


@blueprint.get("/dumps/<name>")
def shortcut(name: str) -> ResponseReturnValue:
    """`/dumps/latest`, a release id without its slash, or a file of the served release."""
    if name == LATEST:
        return redirect(url_for("dumps.release_page", release=_served().id))
    if state().source.find(name) is not None:
        return redirect(url_for("dumps.release_page", release=name), code=308)
    if "." in name:  # a file name (release ids have no dot): of the release served now
        return download(LATEST, name)
    raise _missing(name)
