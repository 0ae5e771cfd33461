"""``animegan ui`` access: credentials from --auth / --auth-file, the warning for an open server beyond the
loopback, and what the CLI hands to the server (a stand-in ``launch``: no Gradio, no server)."""

from __future__ import annotations

import sys
import types

import pytest

from animegan.cli import main
from animegan.errors import InputError
from animegan.ui.access import credentials, exposure_warning, is_loopback, parse_credentials, read_auth_file


def test_credentials_split_at_the_first_colon() -> None:
    assert parse_credentials("ann:s3cret") == ("ann", "s3cret")
    assert parse_credentials("ann:a:b:") == ("ann", "a:b:")  # a password may hold colons
    for bad in ("ann", ":pw", "ann:", "  :pw"):
        with pytest.raises(ValueError, match="expected USER:PASS"):
            parse_credentials(bad)


def test_auth_file_lines_comments_and_errors(tmp_path) -> None:
    good = tmp_path / "users.txt"
    good.write_text("# who may use the UI\nann:one\n\n  bob:two:three\r\n")
    assert read_auth_file(good) == [("ann", "one"), ("bob", "two:three")]
    assert credentials([("cid", "x")], good) == [("cid", "x"), ("ann", "one"), ("bob", "two:three")]
    assert credentials([], None) is None
    bad = tmp_path / "bad.txt"
    bad.write_text("ann:one\nbob\n")
    with pytest.raises(InputError, match=r"bad.txt, line 2: expected USER:PASS"):
        read_auth_file(bad)
    (tmp_path / "empty.txt").write_text("# nobody\n")
    with pytest.raises(InputError, match="no USER:PASS line"):
        read_auth_file(tmp_path / "empty.txt")
    with pytest.raises(InputError, match="cannot read it"):
        read_auth_file(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("myhost.example", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    warning = exposure_warning(host, protected=False)
    assert (warning is None) is loopback
    assert exposure_warning(host, protected=True) is None


@pytest.fixture
def launched(monkeypatch) -> list[dict]:
    """``animegan.ui.app`` replaced by a module whose ``launch`` records its arguments."""
    calls: list[dict] = []
    fake = types.ModuleType("animegan.ui.app")
    fake.launch = lambda engine, **kwargs: calls.append(dict(kwargs, limits=engine.limits))
    monkeypatch.setitem(sys.modules, "animegan.ui.app", fake)
    return calls


def test_cli_warns_when_open_beyond_the_loopback(launched, capsys) -> None:
    assert main(["ui", "--host", "0.0.0.0", "--device", "cpu"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "animegan ui: warning: serving on 0.0.0.0 without --auth: anyone who can reach this machine can use it "
        "(and its CPU/GPU); add --auth USER:PASS or --auth-file FILE"
    ]
    assert launched[0]["auth"] is None and launched[0]["host"] == "0.0.0.0"
    assert main(["ui", "--device", "cpu"]) == 0  # loopback: no warning
    assert capsys.readouterr().err == ""


def test_cli_passes_credentials_and_queue_size(launched, capsys, tmp_path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("bob:two\n")
    argv = ["ui", "--host", "0.0.0.0", "--auth", "ann:one", "--auth-file", str(users), "--queue-size", "3"]
    assert main([*argv, "--device", "cpu"]) == 0
    assert capsys.readouterr().err == ""  # protected: no warning
    assert launched[0]["auth"] == [("ann", "one"), ("bob", "two")]
    assert launched[0]["limits"].max_queue == 3
    users.write_text("bob\n")
    assert main([*argv, "--device", "cpu"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"animegan: error: --auth-file {users}, line 1: expected USER:PASS "
        "(a non-empty user, a colon, a non-empty password)"
    ]
    assert len(launched) == 1  # not started
