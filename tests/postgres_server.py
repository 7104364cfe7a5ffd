"""A throwaway PostgreSQL server for the test session, and databases on it.

Uses Debian's PostgreSQL binaries (/usr/lib/postgresql/<version>/bin): initdb into a
temporary directory, start on a free localhost port with the unix socket in that directory,
create one database per test, stop and delete everything at the end. PostgreSQL refuses to run
as root, so under root the server runs as the `postgres` user (via runuser).

`TEST_POSTGRES_URL` (a URL of a role that may CREATE DATABASE) uses an existing server instead.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin "
    "or on PATH. Install Debian's `postgresql` package (apt-get install postgresql), or point "
    "TEST_POSTGRES_URL at a server, or set BALAGH_SKIP_POSTGRES=1 to skip the PostgreSQL tests "
    "explicitly."
)
SERVER_USER = "postgres"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be had; the message says what to install."""


def find_bin_dir() -> Path:
    """The directory of the newest installed initdb/pg_ctl."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: _version_key(Path(path).parent.parent.name),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailable(INSTALL_HINT)


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self, admin_url: str, data_dir: Path | None = None) -> None:
        self.admin_url = make_url(admin_url)
        self._data_dir = data_dir
        self._pg_ctl: list[str] = []
        self._start_args: list[str] = []
        self._admin: Engine | None = None

    # -- life cycle ---------------------------------------------------------------------

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb and start a fresh cluster in a temporary directory."""
        bin_dir = find_bin_dir()
        root = Path(tempfile.mkdtemp(prefix="balagh-pg-"))
        data_dir = root / "data"
        run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                raise PostgresUnavailable(
                    f"running as root, and there is no `{SERVER_USER}` user to run PostgreSQL "
                    "as (Debian's `postgresql` package creates it)"
                ) from None
            os.chown(root, account.pw_uid, account.pw_gid)
            run_as = ["runuser", "-u", SERVER_USER, "--"]
        port = _free_port()
        server = cls(
            str(
                URL.create(
                    "postgresql+psycopg2",
                    username="postgres",
                    host="127.0.0.1",
                    port=port,
                    database="postgres",
                )
            ),
            data_dir=root,
        )
        log_path = root / "server.log"
        try:
            _run(
                [
                    *run_as,
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
            options = " ".join(
                [
                    f"-p {port}",
                    f"-k {root}",
                    "-c listen_addresses=127.0.0.1",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                ]
            )
            server._pg_ctl = [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data_dir)]
            server._start_args = [
                "-l", str(log_path), "-o", options, "-w", "-t", str(START_TIMEOUT_S), "start"
            ]
            _run([*server._pg_ctl, *server._start_args])
        except (OSError, subprocess.CalledProcessError) as exc:
            output = getattr(exc, "stderr", None) or ""
            log = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            server.stop()
            raise PostgresUnavailable(
                f"could not start PostgreSQL: {exc}\n{output}\n{log}".rstrip()
            ) from exc
        atexit.register(server.stop)
        return server

    @classmethod
    def external(cls, url: str) -> PostgresServer:
        """An existing server (TEST_POSTGRES_URL), left running at the end."""
        server = cls(url)
        with server.admin_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return server

    def stop(self) -> None:
        """Stop the server we started and delete its files (idempotent)."""
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None
        if self._pg_ctl:
            subprocess.run(
                [*self._pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True, check=False
            )
            self._pg_ctl = []
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def pause(self) -> None:
        """Stop the server we started, keeping its files: clients get "connection refused"
        until resume() (fault-injection tests)."""
        if not self._pg_ctl:
            raise PostgresUnavailable("only a server started by PostgresServer.start() pauses")
        if self._admin is not None:
            self._admin.dispose()
        _run([*self._pg_ctl, "-m", "fast", "-w", "stop"])

    def resume(self) -> None:
        """Start the paused server again, on the same port with the same data."""
        _run([*self._pg_ctl, *self._start_args])

    # -- databases ----------------------------------------------------------------------

    def admin_engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(
                self.admin_url, isolation_level="AUTOCOMMIT", future=True, pool_size=2
            )
        return self._admin

    def create_database(self, prefix: str = "balagh_test") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin_engine().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        with self.admin_engine().connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


def own_cluster() -> Iterator[PostgresServer]:
    """The body of a module's fixture for a cluster of its own, one its tests may stop and
    start (the session's shared one must not be stopped)."""
    import pytest

    if os.environ.get("BALAGH_SKIP_POSTGRES", "").strip() in ("1", "true", "yes"):
        pytest.skip("PostgreSQL tests skipped because BALAGH_SKIP_POSTGRES=1")
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
