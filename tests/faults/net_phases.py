"""The fault programme the network scenarios put a proxied path through, one phase after another, with
the service given time to make progress (`progress`) after each: added latency; connections reset, a
few at a time; a black hole (held bytes delivered on heal, as TCP retransmits after a short partition);
a black hole that ends in resets (TCP giving up); then healed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from tests.support.tcp_proxy import TcpProxy


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
