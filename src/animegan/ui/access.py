"""Who may use ``animegan ui``: credentials from ``--auth USER:PASS`` and ``--auth-file FILE``, and the warning for
a server reachable beyond this machine without them. No Gradio here: the CLI checks all this before importing it.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from animegan.errors import InputError

Credentials = tuple[str, str]
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def parse_credentials(text: str, where: str = "") -> Credentials:
    """``USER:PASS`` -> (user, password); the password may contain ':'. ValueError (one line, starting with
    ``where``) when malformed."""
    user, colon, password = text.partition(":")
    if not colon or not user.strip() or not password:
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}expected USER:PASS (a non-empty user, a colon, a non-empty password)")
    return user.strip(), password


def read_auth_file(path: str | Path) -> list[Credentials]:
    """Credentials from a file of ``USER:PASS`` lines (blank lines and ``#`` comments skipped); one line if bad."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"--auth-file {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    found = []
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                found.append(parse_credentials(line.rstrip("\r\n"), f"--auth-file {path}, line {number}"))
            except ValueError as exc:
                raise InputError(str(exc)) from None
    if not found:
        raise InputError(f"--auth-file {path}: no USER:PASS line in it")
    return found


def credentials(auth: list[Credentials], auth_file: str | Path | None) -> list[Credentials] | None:
    """Every accepted (user, password), from ``--auth`` and ``--auth-file``; None when the server is open."""
    found = list(auth) + (read_auth_file(auth_file) if auth_file else [])
    return found or None


def is_loopback(host: str) -> bool:
    """True when ``host`` (an address or name to bind) is reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost: assume it is reachable from elsewhere


def exposure_warning(host: str, protected: bool) -> str | None:
    """The warning line for a server that binds beyond the loopback without credentials, else None."""
    if protected or is_loopback(host):
        return None
    return (
        f"animegan ui: warning: serving on {host} without --auth: anyone who can reach this machine can use it "
        "(and its CPU/GPU); add --auth USER:PASS or --auth-file FILE"
    )
