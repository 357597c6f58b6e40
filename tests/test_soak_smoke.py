"""bench/soak.py in miniature (4 clients, a few seconds), so `make test` keeps the soak working;
`make soak` runs the real one (16 clients, 60 s, and the long forms of the robustness tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from support import ROOT

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

SOAK = ROOT / "bench" / "soak.py"


@pytest.mark.parametrize("tool", ["python", "wrk"])
def test_soak_runs_clean_and_reports(built, tmp_path, tool):
    if tool == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk; `make soak` does)")
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            *(sys.executable, str(SOAK), "--build-dir", str(built[0].output_dir)),
            *("--seconds", "4", "--clients", "4", "--tool", tool, "--no-long-forms"),
            *("--timeout", "6"),  # the abuser's runaway queries end soon after the run
            *("--json", str(results)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for row in ("requests", "errors", "latency p50", "latency p95", "latency p99", "RSS drift"):
        assert f"| {row}" in done.stdout, done.stdout
    report = json.loads(results.read_text())
    assert report["requests"] > 20 and report["errors"] == 0, report
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["rss_start_mib"] > 0 and report["rss_samples"]
    beside = report["abusive"]  # the same load beside one abusive client: still no error
    assert beside["requests"] > 20 and beside["errors"] == 0, beside
    assert set(beside["answers"]) <= {"429", "503"} and beside["answers"], beside
    assert "| with an abuser" in done.stdout
    assert (
        len(report["queries"]) >= 3 and "federated-host-country-population" not in report["queries"]
    )


def test_soak_refuses_without_a_build(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SOAK), "--build-dir", str(tmp_path), "--no-long-forms"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "make build" in done.stderr
