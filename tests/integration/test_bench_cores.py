"""`make bench`'s core figures (`bench.cores`): a configuration runs pinned, with everything it starts,
and measures both sides; the report says what one core and every core gave. Tiny durations: the
figures are not judged, only that the pin holds and both sides were measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.cores import _medians, render

ROOT = Path(__file__).resolve().parents[2]


def test_a_configuration_runs_pinned_to_its_cores_and_measures_both_sides() -> None:
    arguments = ["--one", "0", "--clients", "2", "--warmup", "0.5", "--duration", "1.5"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.cores", *arguments],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=240,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["cores"] == [0]
    assert figures["raw_saves_per_s"] > 0
    assert figures["xborder_commands_per_s"] > 0
    assert figures["ratio"] == round(figures["xborder_commands_per_s"] / figures["raw_saves_per_s"], 3)


def test_the_report_gives_the_median_of_each_core_count_and_every_round() -> None:
    def run(cores: list[int], raw: float, served: float) -> dict[str, object]:
        return {
            "cores": cores,
            "raw_saves_per_s": raw,
            "xborder_commands_per_s": served,
            "ratio": round(served / raw, 3),
            "xborder_cpu_ms": {"service": 5.0, "postgres": 2.0},
        }

    runs = [run([0], 600, 100), run([0, 1], 700, 200), run([0], 700, 120), run([0, 1], 800, 220)]
    medians = _medians(runs)
    markdown = render(
        {
            "started": "2026-11-30T00:00:00+00:00",
            "machine": {"cores": 2, "cpu_model": "test"},
            "parameters": {"clients": 16},
            "runs": runs,
            "medians": medians,
        }
    )

    assert medians["1"]["xborder_commands_per_s"] == 110
    assert medians["2"]["raw_saves_per_s"] == 750
    assert "| 1 | 650.0 | 110.0 |" in markdown
    assert "| 2 | 750.0 | 210.0 |" in markdown
    assert "xborder × 1.91" in markdown
    assert markdown.count("| 5.0 / 2.0 |") == 4
