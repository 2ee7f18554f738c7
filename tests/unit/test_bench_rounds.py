"""The benchmark's headline ratios come from alternating rounds: each ratio is computed within a round
(its two sides ran next to each other in time), and the headline is the median of the rounds' ratios,
so one round disturbed by other work on the machine moves it little. The service's peak memory is the
peak of the sum at one instant, not the sum of the processes' peaks. Pure functions: no I/O, no timing."""

from __future__ import annotations

import pytest

from bench.machine import RssPeaks
from bench.run import service_rss_peak, summarise_rounds


def test_headline_ratios_are_the_median_of_the_ratios_within_each_round() -> None:
    rates = [
        {"projected": 80.0, "no_consumers": 100.0, "raw": 400.0},
        # A disturbed round: every setup slower, its ratios (0.5, 0.1) far from the others'.
        {"projected": 20.0, "no_consumers": 40.0, "raw": 200.0},
        {"projected": 90.0, "no_consumers": 100.0, "raw": 300.0},
    ]
    summary = summarise_rounds(rates)

    assert summary["ratios_by_round"] == [
        {"projected_over_no_consumers": 0.8, "projected_over_raw": 0.2, "no_consumers_over_raw": 0.25},
        {"projected_over_no_consumers": 0.5, "projected_over_raw": 0.1, "no_consumers_over_raw": 0.2},
        {"projected_over_no_consumers": 0.9, "projected_over_raw": 0.3, "no_consumers_over_raw": 0.333},
    ]
    # Not the ratio of the median rates (90 / 100 = 0.9 ... or 80 / 100): the median of the rounds' ratios.
    assert summary["ratios"] == {
        "projected_over_no_consumers": 0.8,
        "projected_over_raw": 0.2,
        "no_consumers_over_raw": 0.25,
    }
    assert summary["ratio_ranges"]["projected_over_no_consumers"] == {"min": 0.5, "max": 0.9}
    assert summary["rates"]["raw"] == [400.0, 200.0, 300.0]
    # The round whose rate is each setup's median: its full figures are the ones reported.
    assert summary["median_round"] == {"projected": 0, "no_consumers": 0, "raw": 2}


def test_an_even_number_of_rounds_averages_the_middle_ratios_and_reports_the_lower_middle_round() -> None:
    rates = [
        {"projected": 60.0, "no_consumers": 100.0, "raw": 300.0},
        {"projected": 80.0, "no_consumers": 100.0, "raw": 200.0},
    ]
    summary = summarise_rounds(rates)

    assert summary["ratios"]["projected_over_no_consumers"] == pytest.approx(0.7)
    assert summary["ratios"]["projected_over_raw"] == pytest.approx(0.3)
    assert summary["median_round"] == {"projected": 0, "no_consumers": 0, "raw": 1}


def test_a_round_with_a_zero_denominator_has_no_ratio_and_is_left_out_of_the_median() -> None:
    rates = [
        {"projected": 50.0, "no_consumers": 0.0, "raw": 100.0},
        {"projected": 60.0, "no_consumers": 80.0, "raw": 120.0},
    ]
    summary = summarise_rounds(rates)

    assert summary["ratios_by_round"][0]["projected_over_no_consumers"] is None
    assert summary["ratios"]["projected_over_no_consumers"] == 0.75
    assert summary["ratio_ranges"]["projected_over_no_consumers"] == {"min": 0.75, "max": 0.75}


def test_no_rounds_is_an_error_not_an_empty_headline() -> None:
    with pytest.raises(ValueError, match="no rounds"):
        summarise_rounds([])


def test_the_services_peak_memory_is_the_largest_sum_at_one_instant() -> None:
    peaks = RssPeaks()
    mib = 1024 * 1024
    peaks.add(100 * mib, {7: 50 * mib})
    peaks.add(60 * mib, {7: 120 * mib, 8: 10 * mib})
    peaks.add(None, {7: 500 * mib})  # the API process already gone: not a sample of the service

    summary = peaks.summary(0.25)

    assert summary["samples"] == 2
    assert summary["peak_mib"] == {"api": 100.0, "workers": 130.0, "sum": 190.0}
    assert summary["worker_processes"] == 2
    assert summary["workers_by_pid"] == {"7": 120.0, "8": 10.0}


def test_the_run_peak_names_the_phase_it_was_reached_in() -> None:
    phases = {
        "throughput round 1, 31 provinces projected": {
            "peak_mib": {"api": 90.0, "workers": 150.0, "sum": 240.0}
        },
        "lag heavy_offered": {"peak_mib": {"api": 110.0, "workers": 160.0, "sum": 270.0}},
    }
    peak = service_rss_peak(phases)

    assert peak["peak_sum_mib"] == 270.0
    assert peak["peak_phase"] == "lag heavy_offered"
    assert service_rss_peak({})["peak_sum_mib"] is None
