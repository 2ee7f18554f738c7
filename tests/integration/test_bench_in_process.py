"""`make bench`'s secondary in-process figures run against the product as it is: they broke silently
once (the service's projection workers became one consumer for the provinces of a database, and the
bench, which stepped each province's consumer, wrote "in-process figures skipped" in its notes for
two runs). Small counts on the test database; the figures themselves are not judged, only that every
province's consumer converged and the layers each measured something."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.run import _in_process
from bench.scenarios import PROVINCES


def test_the_in_process_figures_are_measured(database_url: str, tmp_path: Path) -> None:
    figures = _in_process(database_url, tmp_path, argparse.Namespace(cases=4, http=4))

    assert figures["notes"] == []
    assert figures["total"]["commands"] > 0
    projection = figures["projection"]["provinces"]
    assert sorted(projection) == sorted(PROVINCES)
    assert all(p["converged"] and p["events_applied"] > 0 for p in projection.values())
    assert figures["http"]["post_transfers"]["n"] == 4
    assert figures["http"]["get_transfer"]["n"] == 4
