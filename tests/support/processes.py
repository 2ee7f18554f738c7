"""Stopping a service process a test started, as an operator would: SIGTERM, then SIGKILL if it hangs."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def stop_gracefully(process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
