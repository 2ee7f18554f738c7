"""The workers' process's state for /readyz: read as written, and a state that stopped changing (the
process gone or stuck), missing or unreadable counts as a workers' process that is not running."""

from __future__ import annotations

from pathlib import Path

from xborder.consumers.status_file import STALE_AFTER_S, WORKERS_PROCESS, read_status, write_status

WORKERS = [
    {"name": "relay-VehicleTransfers", "running": True, "ready": True, "error": None, "failures": 0},
    {"name": "projections", "running": True, "ready": False, "error": None, "failures": 0},
]


def test_what_was_written_is_read_while_fresh(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    write_status(path, WORKERS, now=1000.0)
    assert read_status(path, now=1000.0 + STALE_AFTER_S) == WORKERS
    assert not list(tmp_path.glob(".*")), "the scratch file was renamed into place"


def test_a_state_that_stopped_changing_is_a_process_not_running(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    write_status(path, WORKERS, now=1000.0)
    [absent] = read_status(path, now=1000.0 + STALE_AFTER_S + 1)
    assert absent["name"] == WORKERS_PROCESS
    assert absent["running"] is False and absent["ready"] is False
    assert "has not reported its state for 4 s" in absent["error"]


def test_no_state_or_an_unreadable_one_is_a_process_not_running(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    assert [w["name"] for w in read_status(path)] == [WORKERS_PROCESS]
    path.write_text("{not json", encoding="utf-8")
    assert [w["running"] for w in read_status(path)] == [False]
    path.write_text('{"at": 1, "workers": 5}', encoding="utf-8")
    assert [w["running"] for w in read_status(path, now=1.0)] == [False]
