"""peacekg.build.background: a function run in a child process, its arguments pickled with the
cycle collector paused, and the collector as it was afterwards."""

from __future__ import annotations

import gc
import operator

import pytest

from peacekg.build.background import Background, paused_collector


def test_a_job_runs_in_a_child_and_leaves_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    job = Background(operator.add, [1, 2], [3])
    assert gc.isenabled()
    assert job.result() == [1, 2, 3]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_for_the_block_only(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_collector():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), paused_collector():
            raise ValueError
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
