"""The scale-out stack's own PostgreSQL and Redis (`python -m bot cluster`): reachable only on
loopback, and only with a password that no command line shows.

Before: PostgreSQL was made with trust authentication (any local user connected as the
superuser without a password) and Redis ran with no password at all.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.runtime import cluster
from bot.runtime.serve import _start, _wait_ready, stop

PASSWORD = "pg-test-password-7f3a"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connects(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT 1")).scalar() == 1
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[cluster.LocalPostgres]:
    try:
        cluster.postgres_bin_dir()
    except cluster.StartError as error:
        pytest.fail(str(error), pytrace=False)
    monkeypatch.setenv("POSTGRES_PASSWORD", PASSWORD)
    root = tmp_path / "pg"
    server = cluster.LocalPostgres(root, _free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_the_clusters_postgresql_wants_its_password(postgres: cluster.LocalPostgres) -> None:
    postgres.start()
    assert _connects(postgres.url)
    without = postgres.url.replace(f":{PASSWORD}@", "@")
    wrong = postgres.url.replace(PASSWORD, "guess")
    assert not _connects(without) and not _connects(wrong)
    hba = (postgres.data_dir / "pg_hba.conf").read_text()
    rules = [line for line in hba.splitlines() if line.strip() and not line.startswith("#")]
    assert rules and not any(" trust" in line for line in rules), rules


@pytest.mark.postgres
def test_an_older_trust_cluster_is_given_the_password(postgres: cluster.LocalPostgres) -> None:
    bin_dir = cluster.postgres_bin_dir()
    postgres.root.mkdir(parents=True)
    run_as = postgres._run_as()
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(postgres.data_dir), "-U", "postgres",
         "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True,
    )
    postgres.start()
    assert _connects(postgres.url)
    assert not _connects(postgres.url.replace(f":{PASSWORD}@", "@"))


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")
def test_the_clusters_redis_wants_its_password_and_ps_does_not_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setattr(cluster, "CLUSTER_DIR", tmp_path / "cluster")
    monkeypatch.setattr(cluster, "LOG_DIR", tmp_path / "logs")
    monkeypatch.setenv("REDIS_PASSWORD", "redis-test-password-91c2")
    port = _free_port()
    part = cluster.redis_part(port)
    _start(part, {"PATH": "/usr/bin:/bin"})
    try:
        _wait_ready(part, 30)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=port, socket_timeout=2).ping()
        assert redis.Redis(
            host="127.0.0.1", port=port, password="redis-test-password-91c2", socket_timeout=2
        ).ping()
        assert part.process is not None
        argv = Path(f"/proc/{part.process.pid}/cmdline").read_bytes().decode()
        assert "redis-test-password-91c2" not in argv
        config = tmp_path / "cluster" / "redis" / "redis.conf"
        assert config.stat().st_mode & 0o077 == 0
    finally:
        stop([part])
        time.sleep(0.2)
