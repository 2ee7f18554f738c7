"""The fault programme the network scenarios put a proxied path through, one phase after another, with
the service given time to make progress (`progress`) after each: added latency; connections reset, a
few at a time; a black hole (held bytes delivered on heal, as TCP retransmits after a short partition);
a black hole that ends in resets (TCP giving up); then healed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from tests.support.command_load import CommandLoad, LoadResults
from tests.support.fault_service import minter
from tests.support.net_oracle import wait_delivered
from tests.support.tcp_proxy import TcpProxy
from xborder.bootstrap import Container


def faults_under_load(
    container: Container,
    base_url: str,
    proxy: TcpProxy,
    rng: random.Random,
    seed: int,
    *,
    resets: int,
    reset_gap: tuple[float, float],
    hole: tuple[float, float],
) -> tuple[int, LoadResults]:
    """Three clients' commands running through `put_through_faults`, the service given 10 more
    answered commands and their delivery after each phase; healed and the load stopped whatever
    happens. The connections reset, and the load's results."""
    load = CommandLoad(base_url, minter(container), clients=3, seed=seed).start()
    try:
        load.wait_for(10)

        def progress() -> None:
            load.wait_for(load.answered + 10, timeout=60)
            wait_delivered(container, load)

        reset = put_through_faults(proxy, rng, progress, resets=resets, reset_gap=reset_gap, hole=hole)
    finally:
        proxy.heal()
        results = load.stop()
    return reset, results


def put_through_faults(
    proxy: TcpProxy,
    rng: random.Random,
    progress: Callable[[], None],
    *,
    resets: int,
    reset_gap: tuple[float, float],
    hole: tuple[float, float],
) -> int:
    """Run the phases; the number of connections reset."""
    reset = 0
    proxy.latency(rng.uniform(0.02, 0.05))  # slower, nothing lost
    progress()
    proxy.heal()
    for _ in range(resets):
        time.sleep(rng.uniform(*reset_gap))
        reset += proxy.reset_all()
    progress()
    proxy.black_hole(True)
    time.sleep(rng.uniform(*hole))
    proxy.heal()
    progress()
    proxy.black_hole(True)
    time.sleep(rng.uniform(1.0, 2.0))
    reset += proxy.reset_all()
    proxy.heal()
    progress()
    return reset
