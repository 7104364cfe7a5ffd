"""Several Rasa servers and action servers behind one address, on one machine.

    python -m bot cluster [--port 5005] [--rasa-servers 2] [--action-servers 0]

What Rasa documents for horizontal scaling, started as local processes (README, "Several
servers"):

* the report store and Rasa's tracker store in PostgreSQL: `DATABASE_URL` (and
  `TRACKER_STORE_URL`) when set, otherwise a local cluster under var/cluster/postgres/ made
  with Debian's binaries (initdb on the first start, kept between starts; loopback and a
  private socket only, every connection with the password, SCRAM-SHA-256: POSTGRES_PASSWORD
  or one generated into var/cluster_postgres_password; a cluster an older version made with
  trust authentication is given the password and switched to it);
* Rasa's lock store in Redis: `REDIS_URL` when set, otherwise `redis-server` on loopback
  (Debian's package; nothing is saved: it only holds the conversations' locks; with a
  password, REDIS_PASSWORD or generated into var/cluster_redis_password, in an owner-only
  config file rather than on its command line);
* the store's migrations (`python -m bot db upgrade`), once, before any server starts;
* `--rasa-servers` Rasa servers (`python -m bot serve`) on 127.0.0.1:5105, 5106 …, each
  running the custom actions in its own process (the default, `--action-servers 0`: on 2
  cores the fastest layout measured);
* or, with `--action-servers M`, M action servers (`python -m bot serve --no-rasa`) on 5155,
  5156 …, Rasa server i (`--actions-url …`) calling action server i mod M;
* one scheduler (`python -m bot jobs`) and, with `TELEGRAM_TOKEN` and no webhook URL, one
  Telegram polling bridge (through the proxy);
* the round-robin proxy (`python -m bot proxy`, bot/proxy.py) on the public `--port`.

Every Rasa server can take any turn of any conversation: the tracker is read from and
written to the shared SQL store, under a per-conversation lock held in Redis, and a report
is filed once whichever server and action server handle the "send". A part that stops is
started again (its log says so), while the proxy sends the requests to the other Rasa
servers; one that stops 3 times within 5 minutes is left stopped. Ctrl-C (or SIGTERM) stops
everything, the proxy first and the stores last. Logs: var/logs/cluster/.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.runtime import settings
from bot.runtime.model import model_path
from bot.runtime.secrets import generated_secret, write_private
from bot.runtime.serve import (
    Part,
    StartError,
    _end_with_parent,
    _start,
    _wait_ready,
    log_tail,
    port_free,
)

LOG_DIR = settings.VAR_DIR / "logs" / "cluster"
CLUSTER_DIR = settings.VAR_DIR / "cluster"
NODE_START_TIMEOUT_S = 300.0
STOP_GRACE_S = 40.0
RESTARTS_ALLOWED = 3  # within RESTART_WINDOW_S; then the part is left stopped
RESTART_WINDOW_S = 300.0
POSTGRES_USER = "postgres"  # Debian's account; PostgreSQL refuses to run as root
DATABASE_NAME = "balagh"


def _log(message: str) -> None:
    print(f">> {message}", flush=True)


# -- PostgreSQL -----------------------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """Debian's newest /usr/lib/postgresql/<version>/bin, or initdb/pg_ctl on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) for x in Path(p).parent.parent.name.split(".") if x.isdigit()],
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    raise StartError(
        "PostgreSQL: no server binaries (initdb, pg_ctl). Install Debian's `postgresql` "
        "package (apt-get install postgresql), or set DATABASE_URL to a running server."
    )


@dataclass
class LocalPostgres:
    """A PostgreSQL cluster under var/cluster/postgres/, kept between starts."""

    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"  # written by the server's own user

    @property
    def password(self) -> str:
        """The server's password (POSTGRES_PASSWORD, else generated once, owner-only)."""
        return generated_secret("POSTGRES_PASSWORD", "cluster_postgres_password")

    @property
    def url(self) -> str:
        return (
            f"postgresql+psycopg2://{POSTGRES_USER}:{quote(self.password, safe='')}"
            f"@127.0.0.1:{self.port}/{DATABASE_NAME}"
        )

    def _run_as(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            account = pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            raise StartError(
                f"PostgreSQL: running as root and there is no `{POSTGRES_USER}` user to run "
                "the server as (Debian's `postgresql` package creates it)."
            ) from None
        os.chown(self.root, account.pw_uid, account.pw_gid)
        _traversable(self.root.parent)
        return ["runuser", "-u", POSTGRES_USER, "--"]

    def _pg_ctl(self) -> list[str]:
        return [*self._run_as(), str(postgres_bin_dir() / "pg_ctl"), "-D", str(self.data_dir)]

    def start(self) -> None:
        bin_dir = postgres_bin_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        run_as = self._run_as()
        status = subprocess.run([*self._pg_ctl(), "status"], capture_output=True, text=True)
        if status.returncode == 0:
            raise StartError(
                f"PostgreSQL: a server already runs on {self.data_dir} (another cluster?). "
                f"Stop it first: {' '.join(self._pg_ctl())} stop"
            )
        if not (self.data_dir / "PG_VERSION").exists():
            _log(f"creating a PostgreSQL cluster in {self.data_dir} ...")
            pwfile = self.root / ".initdb-password"  # readable by the server's user, briefly
            pwfile.write_text(self.password + "\n", encoding="utf-8")
            pwfile.chmod(0o600)
            if run_as:
                account = pwd.getpwnam(POSTGRES_USER)
                os.chown(pwfile, account.pw_uid, account.pw_gid)
            try:
                _checked([
                    *run_as, str(bin_dir / "initdb"), "-D", str(self.data_dir),
                    "-U", POSTGRES_USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                    "--encoding=UTF8", "--locale=C.UTF-8",
                ], "PostgreSQL initdb")
            finally:
                pwfile.unlink(missing_ok=True)
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c password_encryption=scram-sha-256"
        )
        _checked([
            *self._pg_ctl(), "-l", str(self.log_path), "-o", options, "-w", "-t", "60", "start",
        ], "PostgreSQL start", log=self.log_path)
        self._no_trust()
        self._create_database()

    def _no_trust(self) -> None:
        """A cluster made by an older version (trust authentication): password it and require
        the password from now on (every connection, the local socket included)."""
        hba = self.data_dir / "pg_hba.conf"
        text = hba.read_text(encoding="utf-8")
        lines = text.splitlines()
        if not any(not line.lstrip().startswith("#") and " trust" in line for line in lines):
            return
        _log("PostgreSQL: trust authentication found; setting the password and requiring it")
        _checked([  # the statement on stdin: a command line would show the password in `ps`
            *self._run_as(), str(postgres_bin_dir() / "psql"), "-h", str(self.root),
            "-p", str(self.port), "-U", POSTGRES_USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
        ], "PostgreSQL password",
            stdin=f"ALTER USER {POSTGRES_USER} PASSWORD {_sql_string(self.password)};\n")
        hba.write_text(
            "\n".join(
                line if line.lstrip().startswith("#") else line.replace(" trust", " scram-sha-256")
                for line in lines
            ) + "\n",
            encoding="utf-8",
        )
        _checked([*self._pg_ctl(), "reload"], "PostgreSQL reload")

    def _create_database(self) -> None:
        from bot.store.migrate import create_postgres_database

        create_postgres_database(self.url, DATABASE_NAME)

    def stop(self) -> None:
        subprocess.run([*self._pg_ctl(), "-m", "fast", "-w", "stop"], capture_output=True)


def _sql_string(value: str) -> str:
    """`value` as an SQL string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _traversable(directory: Path) -> None:
    """Let the server's own account pass through `directory` and its parents to reach its
    data: search permission (o+x) only, so nobody may list them or read what is inside
    (var/ is owner-only: 0700 becomes 0701)."""
    for path in [directory.resolve(), *directory.resolve().parents]:
        mode = path.stat().st_mode
        if not mode & 0o001:
            path.chmod((mode & 0o7777) | 0o001)


def _checked(
    command: list[str], what: str, log: Path | None = None, stdin: str | None = None
) -> None:
    result = subprocess.run(command, capture_output=True, text=True, input=stdin)
    if result.returncode != 0:
        tail = log_tail(log) if log else ""
        raise StartError(
            f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}{tail}"
        )


# -- Redis ------------------------------------------------------------------------------------


def redis_part(port: int) -> Part:
    """redis-server on loopback, nothing saved: it only holds the conversations' locks."""
    server = shutil.which("redis-server")
    if not server:
        raise StartError(
            "Redis: no redis-server. Install Debian's `redis-server` package "
            "(apt-get install redis-server), or set REDIS_URL to a running server."
        )
    work_dir = CLUSTER_DIR / "redis"
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = redis_password()
    # the password in an owner-only config file, not on the command line (`ps` shows that)
    config = write_private(
        work_dir / "redis.conf",
        f"bind 127.0.0.1\nport {port}\nprotected-mode yes\nsave \"\"\nappendonly no\n"
        f"dir {work_dir}\ndaemonize no\nrequirepass {password}\n",
    )

    def ready() -> bool:
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1)
            return bool(client.ping())
        except redis.RedisError:
            return False

    return Part(
        name="Redis (lock store)",
        command=[server, str(config)],
        log_path=LOG_DIR / "redis.log",
        ready=ready,
    )


def redis_password() -> str:
    """The password of the cluster's own Redis (REDIS_PASSWORD, else generated once)."""
    return generated_secret("REDIS_PASSWORD", "cluster_redis_password")


# -- the servers ------------------------------------------------------------------------------


def _says_running(log_path: Path) -> bool:
    return log_path.exists() and "is running" in log_path.read_text(errors="replace")


def node_parts(args: argparse.Namespace) -> tuple[list[Part], list[Part]]:
    """The action-server nodes and the Rasa-server nodes (`python -m bot serve …`)."""
    python = sys.executable
    common = ["--no-jobs", "--no-telegram-bridge", "--model", str(args.model)]
    actions = []
    for j in range(args.action_servers):
        name = f"actions-{j + 1}"
        log = LOG_DIR / f"{name}.out"
        actions.append(Part(
            name=f"action server {j + 1}",
            command=[python, "-m", "bot", "serve", "--node", name, "--no-rasa",
                     "--actions-port", str(args.actions_port + j), *common],
            log_path=log,
            ready=lambda log=log: _says_running(log),
        ))
    rasa = []
    for i in range(args.rasa_servers):
        name = f"rasa-{i + 1}"
        log = LOG_DIR / f"{name}.out"
        # no action servers: each Rasa server runs the actions in its own process
        actions_args = ["--actions-in-process"] if not args.action_servers else [
            "--actions-url",
            f"http://127.0.0.1:{args.actions_port + i % args.action_servers}/webhook"]
        rasa.append(Part(
            name=f"Rasa server {i + 1}",
            command=[python, "-m", "bot", "serve", "--node", name,
                     "--rasa-port", str(args.rasa_port + i), "--interface", "127.0.0.1",
                     *actions_args, *common],
            log_path=log,
            ready=lambda log=log: _says_running(log),
        ))
    return actions, rasa


def proxy_part(args: argparse.Namespace) -> Part:
    log = LOG_DIR / "proxy.log"
    upstreams = [f"http://127.0.0.1:{args.rasa_port + i}" for i in range(args.rasa_servers)]
    return Part(
        name="proxy",
        command=[sys.executable, "-m", "bot", "proxy", "--listen", str(args.port),
                 "--host", args.host, *[x for u in upstreams for x in ("--upstream", u)]],
        log_path=log,
        ready=lambda: log.exists() and "proxy listening" in log.read_text(errors="replace"),
    )


class Supervisor:
    """Starts a part again when it stops, unless it keeps stopping."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.restarts: dict[str, list[float]] = {}
        self.given_up: set[str] = set()

    def check(self, parts: list[Part]) -> None:
        for part in parts:
            code = part.process.poll() if part.process else None
            if code is None or part.name in self.given_up:
                continue
            now = time.monotonic()
            recent = [t for t in self.restarts.get(part.name, []) if now - t < RESTART_WINDOW_S]
            if len(recent) >= RESTARTS_ALLOWED:
                self.given_up.add(part.name)
                _log(f"{part.name} stopped again (exit code {code}); leaving it stopped. "
                     f"End of its log ({part.log_path}):\n{part.log_tail()}")
                if part.name == "proxy":
                    raise StartError("the proxy keeps stopping: nothing answers on the port")
                continue
            _log(f"{part.name} stopped (exit code {code}); starting it again. "
                 f"End of its log ({part.log_path}):\n{part.log_tail()}")
            self.restarts[part.name] = [*recent, now]
            with part.log_path.open("ab") as log:
                log.write(f"\n>> restarted by the cluster after exit code {code}\n".encode())
            _start_appending(part, self.env)


def _start_appending(part: Part, env: dict[str, str]) -> None:
    """Start `part` again, its log kept; like the first start, it ends with the cluster
    (a part restarted without that outlived a cluster killed at the test's deadline)."""
    log = part.log_path.open("ab")
    part.process = subprocess.Popen(
        part.command, cwd=settings.PROJECT_ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_end_with_parent,
    )
    log.close()


def stop_all(parts: list[Part]) -> None:
    """SIGTERM the running parts, last started first, one layer at a time; then SIGKILL."""
    for part in reversed(parts):
        process = part.process
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


# -- command ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot cluster",
        description="Several Rasa servers and action servers behind one round-robin proxy, "
        "sharing PostgreSQL (reports and trackers) and Redis (Rasa's lock store), on this "
        "machine. DATABASE_URL / REDIS_URL name running servers; without them a local "
        "PostgreSQL (var/cluster/postgres/) and redis-server are started. Ctrl-C stops all.",
    )
    parser.add_argument("--port", type=int, default=5005, help="public port (proxy; 5005)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address of the public port (127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--rasa-servers", type=int, default=2, metavar="N")
    parser.add_argument("--action-servers", type=int, default=0, metavar="M",
                        help="action servers (0: each Rasa server runs the actions in its own "
                        "process); Rasa server i calls number i mod M")
    parser.add_argument("--rasa-port", type=int, default=5105, metavar="PORT",
                        help="first Rasa server's port, the others follow (5105)")
    parser.add_argument("--actions-port", type=int, default=5155, metavar="PORT",
                        help="first action server's port, the others follow (5155)")
    parser.add_argument("--redis-port", type=int, default=6379, metavar="PORT",
                        help="port of the redis-server started without REDIS_URL (6379)")
    parser.add_argument("--postgres-port", type=int, default=5433, metavar="PORT",
                        help="port of the PostgreSQL started without DATABASE_URL (5433)")
    parser.add_argument("--postgres-dir", type=Path, default=CLUSTER_DIR / "postgres",
                        metavar="DIR", help="its files (var/cluster/postgres)")
    parser.add_argument("--model", type=Path, default=model_path())
    args = parser.parse_args(argv)
    if args.rasa_servers < 1 or args.action_servers < 0:
        parser.error("--rasa-servers must be at least 1, --action-servers at least 0")
    return args


def _preflight(args: argparse.Namespace) -> None:
    if not Path(args.model).is_file():
        raise StartError(
            f"no trained model at {args.model}: run `make run` once, or "
            "`.venv/bin/python -m bot.runtime.model`."
        )
    ports = [("proxy (--port)", args.port)]
    ports += [(f"Rasa server {i + 1}", args.rasa_port + i) for i in range(args.rasa_servers)]
    ports += [(f"action server {j + 1}", args.actions_port + j)
              for j in range(args.action_servers)]
    if not settings.redis_url():
        ports.append(("redis-server (--redis-port)", args.redis_port))
    if not os.environ.get("DATABASE_URL"):
        ports.append(("PostgreSQL (--postgres-port)", args.postgres_port))
    taken = [f"{label}: {port}" for label, port in ports if not port_free(port)]
    if taken:
        raise StartError("ports in use (another cluster, `make run`?): " + ", ".join(taken))


def banner(args: argparse.Namespace, env: dict[str, str]) -> str:
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    base = f"http://{host}:{args.port}"
    rasa = ", ".join(str(args.rasa_port + i) for i in range(args.rasa_servers))
    actions = (
        "ports " + ", ".join(str(args.actions_port + j) for j in range(args.action_servers))
        + " (logs var/logs/actions-N/)" if args.action_servers
        else "none: each Rasa server runs the actions in its own process"
    )
    return f"""
Balagh Raqmi cluster is running.
  Public address (proxy): {base}/webhooks/rest/webhook, {base}/webchat/, HTTP API
  Rasa servers:           127.0.0.1 ports {rasa} (logs var/logs/rasa-N/)
  Action servers:         {actions}
  Report + tracker store: {settings.redacted(env['DATABASE_URL'])}
  Lock store (Redis):     {settings.redacted(env['REDIS_URL'])}
  Scheduler, proxy logs:  {LOG_DIR}/
Press Ctrl-C to stop.
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts: list[Part] = []
    postgres: LocalPostgres | None = None

    def on_signal(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    # also when started where SIGINT arrives ignored (a script's background, a test runner's
    # worker): Python installs no Ctrl-C handler then, and the cluster would not stop
    signal.signal(signal.SIGINT, on_signal)
    try:
        _preflight(args)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = settings.database_url()
        else:
            postgres = LocalPostgres(args.postgres_dir.resolve(), args.postgres_port)
            _log(f"starting PostgreSQL on 127.0.0.1:{args.postgres_port} ({postgres.root}) ...")
            postgres.start()
            env["DATABASE_URL"] = postgres.url
        if not env.get("TRACKER_STORE_URL"):
            env["TRACKER_STORE_URL"] = env["DATABASE_URL"]
        env["RASA_TOKEN"] = settings.rasa_token()
        env["ATTACHMENTS_DIR"] = str(settings.attachments_dir())  # one folder for all nodes
        # the Rasa servers see every client as the proxy on loopback: believe the proxy's
        # X-Forwarded-For, or one client's tries would count against everyone's address
        env.setdefault("TRUSTED_PROXIES", "127.0.0.1")
        env.setdefault("PYTHONUNBUFFERED", "1")
        if not settings.redis_url():
            redis = redis_part(args.redis_port)
            _log(f"starting redis-server on 127.0.0.1:{args.redis_port} ...")
            _start(redis, env)
            parts.append(redis)
            _wait_ready(redis, 30)
            password = quote(redis_password(), safe="")
            env["REDIS_URL"] = f"redis://:{password}@127.0.0.1:{args.redis_port}/0"
        _log("applying the store's migrations (python -m bot db upgrade) ...")
        migrate = subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"], env=env, capture_output=True,
            text=True, cwd=settings.PROJECT_ROOT,
        )
        if migrate.returncode != 0:
            raise StartError(f"migrations failed:\n{migrate.stdout}{migrate.stderr}")
        actions, rasa = node_parts(args)
        _log(f"starting {len(actions)} action server(s) and {len(rasa)} Rasa server(s) ...")
        started = time.monotonic()
        for part in [*actions, *rasa]:  # all at once: the Rasa servers load in parallel
            _start(part, env)
            parts.append(part)
        for part in [*actions, *rasa]:
            _wait_ready(part, NODE_START_TIMEOUT_S)
            _log(f"{part.name} is up ({time.monotonic() - started:.0f} s)")
        jobs = Part("scheduler (jobs)",
                    [sys.executable, "-m", "bot", "jobs",
                     "--rasa-url", f"http://127.0.0.1:{args.port}"],  # reminders, via the proxy
                    LOG_DIR / "jobs.log", ready=lambda: True)
        extra = [jobs]
        if settings.telegram_token() and not settings.telegram_webhook_url():
            extra.append(Part(
                "Telegram bridge",
                [sys.executable, "-m", "bot", "telegram", "--rasa-url",
                 f"http://127.0.0.1:{args.port}"],
                LOG_DIR / "telegram.log", ready=lambda: True,
            ))
        extra.append(proxy_part(args))
        for part in extra:
            _start(part, env)
            parts.append(part)
            _wait_ready(part, 30)
        print(banner(args, env), flush=True)
        supervisor = Supervisor(env)
        while True:
            supervisor.check(parts)
            time.sleep(1)
    except KeyboardInterrupt:
        _log("stopping ...")
        code = 0
    except StartError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        code = 1
    except Exception as error:  # noqa: BLE001 - outside the children: files, ports, the database
        print(f"error: could not start: {error!r}", file=sys.stderr, flush=True)
        code = 1
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_all(parts)
    if postgres is not None:
        postgres.stop()
    _log("stopped.")
    return code
