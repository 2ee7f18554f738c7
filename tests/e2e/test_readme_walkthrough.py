"""The README's curl walk-through, run as written against a live `xborder serve` started exactly as
`make run` starts it: no DATABASE_URL, no Kafka — the embedded default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import stop_gracefully
from tests.support.tansu import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
XBORDER = Path(sys.executable).parent / "xborder"
README_WALKTHROUGHS = (
    "walkthrough",
    "walkthrough-objection",
    "walkthrough-hit-and-run",
    "walkthrough-rescue",
)


def _walkthrough(name: str = "walkthrough") -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = rf"<!-- {name}:start -->\s*```bash\n(.*?)```\s*<!-- {name}:end -->"
    match = re.search(pattern, readme, re.S)
    assert match, f"the README must keep its walk-through between the {name} markers"
    return match.group(1)


def _run(script: str, url: str, env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env={**env, "XB": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def serving(tmp_path: Path, extra: dict[str, str] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """`xborder serve` as `make run` starts it (no DATABASE_URL, Kafka or JWT_SECRET of the runner's),
    with the walk-throughs' provinces and `extra` settings, logging to `tmp_path/serve.log`."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "JWT_SECRET")
    }
    env |= {
        "DATA_DIR": str(tmp_path / "var"),
        "PROVINCES": "510000,500000,310000,330000,520000,530000,610000",
        **(extra or {}),
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(XBORDER), "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: process.poll() is not None or _ready(url), timeout=120, what="xborder serve to be ready"
        )
        assert process.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
        yield url, env
    finally:
        stop_gracefully(process)
        log.close()


@pytest.fixture
def live_service(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with serving(tmp_path) as served:
        yield served
    # the service must not have logged personal data in clear
    assert "11010519491231002X" not in (tmp_path / "serve.log").read_text(errors="replace")
    # stopping the service stops its embedded PostgreSQL (a clean shutdown removes postmaster.pid)
    assert not (tmp_path / "var" / "pg" / "postmaster.pid").exists()


def test_readme_walkthroughs_run_as_written(live_service: tuple[str, dict[str, str]]) -> None:
    url, env = live_service
    lines = _run(_walkthrough(), url, env)
    assert lines[0].startswith("transfer ")
    assert "archive_release" in lines[1]
    assert lines[-3:] == ["registered", "渝A88888", "上海: 404"]
    assert sum('"status":"' in line for line in lines) == 4  # the four commands' answers

    lines = _run(_walkthrough("walkthrough-objection"), url, env)
    assert lines[0].startswith("objection ")
    assert lines[1] == "transfer.vehicle_blocked"
    statuses = [line for line in lines if '"status":"' in line]
    assert [s.split('"status":"')[1].split('"')[0] for s in statuses] == [
        "under_review",
        "evidence_requested",
        "under_review",
        "upheld",
        "refunded",
        "refunded",
    ]
    assert lines[-1] == '{"fine_to_refund": 200, "points_reversed": 6}'

    lines = _run(_walkthrough("walkthrough-hit-and-run"), url, env)
    assert lines[0].startswith("case ")
    assert lines[1:] == [
        "assistance_requested",
        *["assistance_requested"] * 3,  # acknowledgements
        *["assistance_requested"] * 2,  # clues
        "assistance_requested",  # 陕西 added
        "8 events in 陕西",  # opening, first request, 3 acknowledgements, 2 clues, its own request
        "suspect_apprehended",
        "handed_over",
        "solved",
        "transferred_to_criminal",
    ]

    lines = _run(_walkthrough("walkthrough-rescue"), url, env)
    assert lines[0].startswith("rescue ")
    assert lines[1:10] == [
        "responding",
        "responding",
        "responding",
        "patients_admitted",
        "patients_admitted",
        "funding_confirmed",
        "funding_confirmed",
        "funding_confirmed",
        "closed",
    ]
    assert (
        lines[10] == '[{"medical_notes": null, "ref": "P1", "severity": "serious"}]'
    )  # what the insurer sees
    assert lines[-1] == "open"  # the hit-and-run case the fled driver's rescue opened
