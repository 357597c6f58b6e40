"""All configuration in one place: paths, the base IRI and build settings.

Every value can be overridden by an environment variable so that tests and deployments never
need to edit code. Modules receive a `Settings` object; none reads the environment itself.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/peacekg/"
"""The canonical, persistent base of every peacekg IRI (ontology, code lists, data, graphs):
docs/iris.md."""
ROOT_VARIABLE = "PEACEKG_ROOT"
DEFAULT_KEEP_RELEASES = 5
JEMALLOC = ("/usr/lib/*-linux-gnu/libjemalloc.so.2", "/usr/lib*/libjemalloc.so.2")
"""Where Debian's libjemalloc2 (and other distributions') puts the allocator."""


def project_root(given: Path | None = None) -> tuple[Path, str]:
    """The project directory (seeds/, mappings/, ontology/, ...) and how it was found: `given`
    (the command line's --root), else PEACEKG_ROOT, else the current directory. Never the
    package's own location: an installed package lives far from any project."""
    if given is not None:
        return given, "--root"
    if root := os.environ.get(ROOT_VARIABLE):
        return Path(root), ROOT_VARIABLE
    return Path.cwd(), "the current directory"


@dataclass(frozen=True)
class Settings:
    """Where the inputs are, where the build goes, and which base IRI the data is minted under."""

    root: Path = field(default_factory=Path.cwd)
    base_iri: str = DEFAULT_BASE_IRI
    build_dir: Path | None = None
    keep_releases: int = DEFAULT_KEEP_RELEASES
    """Finished releases a build keeps (the newest; the served one always): their dumps stay
    downloadable at /dumps/<release>/ for whoever cited them."""

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def mappings_dir(self) -> Path:
        return self.root / "mappings"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def output_dir(self) -> Path:
        return self.build_dir if self.build_dir is not None else self.root / "build"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from PEACEKG_* environment variables, then explicit overrides (`root`: see
        `project_root`)."""
        given = overrides.pop("root", None)
        root, _how = project_root(Path(given) if isinstance(given, str | Path) else None)
        values: dict[str, object] = {"root": root}
        if base := os.environ.get("PEACEKG_BASE_IRI"):
            values["base_iri"] = base
        if build := os.environ.get("PEACEKG_BUILD_DIR"):
            values["build_dir"] = Path(build)
        if (keep := _number(int, "PEACEKG_KEEP_RELEASES")) is not None:
            values["keep_releases"] = keep
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if not settings.base_iri.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {settings.base_iri!r}")
        if settings.keep_releases < 1:
            raise ValueError(f"keep at least 1 release, not {settings.keep_releases}")
        return settings


PUBLISH_TOKEN_VARIABLE = "PEACEKG_PUBLISH_TOKEN"


def publish_token() -> str | None:
    """The bearer token `peacekg publish` sends when no --user is given: from the environment,
    so that it stays out of shell history and process lists."""
    return os.environ.get(PUBLISH_TOKEN_VARIABLE) or None


@dataclass(frozen=True)
class ServerSettings:
    """How the SPARQL endpoint serves: address, limits, and which remote services it may call."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 30.0
    """Seconds a query may run before its worker is killed (503)."""
    workers: int = 2
    """Query worker processes: queries running at once."""
    threads: int = 32
    """Requests served at once, most of them waiting for a query worker: enough that clients
    each at their limit of queries in flight (5) leave threads for everyone else."""
    worker_memory: int = 4 << 30
    """Bytes of address space a query worker may use (0: no cap); past it, only it dies."""
    query_memory_mb: int = 512
    """Megabytes of working memory (the worker's anonymous resident pages) a query may hold;
    past it the query is stopped (503, saying so) and its worker replaced; 0: no budget. With
    2 workers it keeps a server over 10M triples within 1.5 GB (bench: rss_serving)."""
    allocator: str = field(default_factory=lambda: find_jemalloc() or "")
    """The malloc the server runs on (preloaded: its web process, which reruns cheap queries,
    and its query workers): jemalloc when installed, which makes Oxigraph's evaluation a
    quarter to a third faster than with glibc's (bench/README.md); "" keeps the system's."""
    row_limit: int = 10_000
    """Rows (or triples) a response may hold; more are cut, and the response says so."""
    max_body_bytes: int = 1_000_000
    max_query_chars: int = 100_000
    cache_seconds: int = 300
    answer_cache_mb: int = 64
    """Megabytes of answers kept, by their ETag and as sent by the front (web.answers), so the
    same request to the same release is not worked out twice; 0: none kept."""
    service_allowlist: tuple[str, ...] = ()
    """Endpoint URLs SERVICE may call; empty turns federation off."""
    data_files: tuple[Path, ...] = ()
    """Serve these RDF files instead of the built graph."""
    backend: str | None = None
    """A remote store's SPARQL query endpoint that answers queries instead of the embedded store
    (endpoint.remote); pages, VoID and dumps still read the build directory."""
    client_queries: int = 5
    """Queries one client (address) may have running or waiting at once; more get 429."""
    client_seconds: float = 60.0
    """Seconds of query time one client may spend in any minute; past it, 429."""
    client_workers: int = 0
    """Query workers one client may hold at once (0: half of them, at least one)."""
    read_timeout: float = 15.0
    """Seconds a connection has to send a complete request (and the longest an idle one stays)."""
    connection_limit: int = 4096
    """Connections held open at once (slow ones included)."""
    trusted_proxy: str | None = None
    """The reverse proxy whose `trusted_proxy_header` names the client (else it is ignored)."""
    trusted_proxy_header: str = "x-forwarded-for"
    """x-forwarded-for or forwarded (RFC 7239): the one header the proxy sets."""
    backend_dialect: str = "auto"
    """How to speak to the remote (endpoint.dialects): auto (from its Server header), oxigraph,
    virtuoso or sparql11."""

    def __post_init__(self) -> None:
        if self.allocator and not os.path.isfile(self.allocator):
            raise ValueError(
                f"the server's allocator {self.allocator} is not a file "
                '(PEACEKG_ALLOCATOR="" runs it on the system malloc)'
            )

    @property
    def client_share(self) -> int:
        """Workers one client may hold: `client_workers`, or half of them (at least one)."""
        return self.client_workers or max(1, self.workers // 2)

    @classmethod
    def from_env(cls, **overrides: object) -> ServerSettings:
        """Defaults, then PEACEKG_* environment variables, then explicit overrides."""
        env = {
            "host": os.environ.get("PEACEKG_HOST"),
            "port": _number(int, "PEACEKG_PORT"),
            "timeout": _number(float, "PEACEKG_TIMEOUT"),
            "workers": _number(int, "PEACEKG_WORKERS"),
            "row_limit": _number(int, "PEACEKG_ROW_LIMIT"),
            "answer_cache_mb": _number(int, "PEACEKG_ANSWER_CACHE_MB"),
            "backend": os.environ.get("PEACEKG_BACKEND"),
            "backend_dialect": os.environ.get("PEACEKG_BACKEND_DIALECT"),
            "client_queries": _number(int, "PEACEKG_CLIENT_QUERIES"),
            "client_seconds": _number(float, "PEACEKG_CLIENT_SECONDS"),
            "client_workers": _number(int, "PEACEKG_CLIENT_WORKERS"),
            "read_timeout": _number(float, "PEACEKG_READ_TIMEOUT"),
            "trusted_proxy": os.environ.get("PEACEKG_TRUSTED_PROXY"),
            "trusted_proxy_header": os.environ.get("PEACEKG_TRUSTED_PROXY_HEADER"),
            "worker_memory": _number(int, "PEACEKG_WORKER_MEMORY"),
            "allocator": os.environ.get("PEACEKG_ALLOCATOR"),
            "query_memory_mb": _number(int, "PEACEKG_QUERY_MEMORY_MB"),
            "service_allowlist": tuple(
                u for u in os.environ.get("PEACEKG_SERVICE_ALLOWLIST", "").split() if u
            )
            or None,
        }
        given = {k: v for k, v in overrides.items() if v is not None}  # an option left out
        values = {k: v for k, v in {**env, **given}.items() if v is not None}  # keeps the variable
        return cls(**values)  # type: ignore[arg-type]


def find_jemalloc() -> str | None:
    """The installed jemalloc shared library, if any (make installs Debian's libjemalloc2)."""
    return next((found for pattern in JEMALLOC for found in sorted(glob.glob(pattern))), None)


def _number(kind: type[int] | type[float], name: str) -> int | float | None:
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None
