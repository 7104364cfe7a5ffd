"""The secrets the assistant's processes share, and owner-only files for what they write.

Each secret comes from the environment or, on a developer's machine, is generated once into
a file under var/ that only its owner can read (0600, var/ itself 0700). Secrets travel to
child processes in their environment, never on a command line (`ps` shows command lines to
every local user) and never in a log.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from bot.runtime import settings

# Files and directories the assistant creates: readable by their owner only.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# The action server's shared secret: `ACTIONS_SECRET`, sent by Rasa in this header.
ACTIONS_SECRET_ENV = "ACTIONS_SECRET"
ACTIONS_SECRET_HEADER = "X-Actions-Secret"


def restrict_umask() -> None:
    """Every file this process creates from now on is owner-only (0600/0700)."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can list, read or write (created when missing).

    Search permission for others alone (o+x, which `python -m bot cluster` gives var/ so
    that its PostgreSQL's own account can reach its data below) is left as it is: it lets
    nobody list the directory or read what is inside.
    """
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o076:
        path.chmod(PRIVATE_DIR_MODE | (mode & 0o001))
    return path


def make_private(path: Path) -> None:
    """Take group and other permissions away from an existing file (older installs)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        path.chmod(mode & 0o700)


def write_private(path: Path, text: str) -> Path:
    """Write `text` to `path` so that only its owner can read it, at no moment otherwise."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(text)
    return path


def generated_secret(env_name: str, filename: str) -> str:
    """`env_name` from the environment, else a secret generated once into var/FILENAME.

    Several processes may ask at once (the nodes of `bot cluster` start together): the new
    secret is written whole to a temporary file and linked into place, so whoever loses the
    race reads the winner's complete secret, never a half-written or empty one.
    """
    value = (os.environ.get(env_name) or "").strip()
    if value:
        return value
    path = private_dir(settings.VAR_DIR) / filename
    if not path.exists():
        temporary = path.with_name(f".{filename}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(temporary, path)  # atomic; fails if another process got there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    make_private(path)
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise RuntimeError(f"{path} is empty: delete it, or set {env_name}")
    return value


def actions_secret() -> str:
    """The secret every call to the action server must carry (`ACTIONS_SECRET`)."""
    return generated_secret(ACTIONS_SECRET_ENV, "actions_secret")


def secure_var_dir() -> None:
    """var/ and the files the assistant keeps there, owner-only (fixes older installs)."""
    var = private_dir(settings.VAR_DIR)
    for root, dirs, files in os.walk(var):
        for name in dirs:
            private_dir(Path(root) / name)
        for name in files:
            make_private(Path(root) / name)
