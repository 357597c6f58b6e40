"""Load from wrk (Debian's `wrk`): a fixed number of keep-alive connections sending a list of
requests in turn for a time, with its request rate and latency percentiles.

Why wrk: a load generator written in C is not the bottleneck, where Python clients would be
(the harness measures servers answering tens of thousands of requests a second). The requests
rotate through a Lua table, each connection starting at its own offset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk")
LUA = """
local requests = {%s}
local counter = 0

function setup(thread)
  thread:set("offset", math.random(1, #requests))
end

function request()
  counter = counter + 1
  local r = requests[((counter + (offset or 0)) %% #requests) + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end

function done(summary, latency, requests)
  io.write(string.format(
    "WRK {\\"requests\\": %%d, \\"micros\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, " ..
    "\\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d, \\"p50\\": %%d, \\"p95\\": %%d, " ..
    "\\"p99\\": %%d, \\"max\\": %%d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    """With its query string."""
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    connections: int
    requests: int
    seconds: float
    errors: dict[str, int]
    """By kind (connect, read, write, status: a non-2xx/3xx answer, timeout); none: empty."""
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        """Requests a second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "connections": self.connections,
            "requests": self.requests,
            "per_s": round(self.rate, 1),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors": self.errors,
        }


def lua_string(text: str) -> str:
    """A Lua long string holding `text` as it is."""
    level = "=" * 4
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def _lua_request(request: Request) -> str:
    headers = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in request.headers)
    body = lua_string(request.body) if request.body is not None else "nil"
    return f"{{{lua_string(request.method)}, {lua_string(request.path)}, {{{headers}}}, {body}}}"


def run(base: str, requests: list[Request], connections: int, seconds: float) -> Load:
    """wrk against `base` (http://127.0.0.1:PORT) for `seconds`; RuntimeError if it fails."""
    if WRK is None:
        raise RuntimeError("wrk is not installed (make wrk: Debian's package)")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "requests.lua"
        script.write_text(LUA % ", ".join(map(_lua_request, requests)), encoding="utf-8")
        threads = max(1, min(connections, os.cpu_count() or 1))
        done = subprocess.run(
            [
                *(WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"),
                *("--timeout", "60s", "-s", str(script), base),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr}")
    data = json.loads(line[len("WRK ") :])
    kinds = ("connect", "read", "write", "status", "timeout")
    return Load(
        connections=connections,
        requests=data["requests"],
        seconds=data["micros"] / 1e6,
        errors={k: data[k] for k in kinds if data[k]},
        p50_ms=data["p50"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
    )
