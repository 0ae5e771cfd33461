"""The ``animegan`` dispatcher: every sub-command registered, usage errors exit 2, errors are one line."""

from __future__ import annotations

import pytest

from animegan import cli


def test_every_command_is_registered() -> None:
    parser = cli.build_parser()
    choices = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse keeps them here
    assert set(choices) == {name.replace("_", "-") for name in cli.COMMANDS}


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["no-such-command"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["stylize"])  # INPUT and -o missing
    assert info.value.code == 2


def test_missing_weights_is_one_line_and_exit_1(tmp_path, write_png, coffee, capsys) -> None:
    photo = write_png("coffee.png", coffee[:64, :64])
    code = cli.main(
        ["stylize", str(photo), "-o", str(tmp_path / "out"), "--weights", str(tmp_path / "nope.pt")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert "nope.pt" in err[0] and "not found" in err[0]
    assert len(err) == 2 and "1 failed" in err[1]  # the error line, then the summary
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_modules_import_no_torch_and_parse_fast() -> None:
    """The CLI only parses and calls the library: building every parser loads neither torch nor PyAV."""
    import subprocess
    import sys

    code = (
        "import sys; from animegan.cli import build_parser; build_parser(); "
        "heavy = sorted(m for m in ('torch', 'av', 'pytorch_lightning', 'hydra') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_flag_defaults_come_from_the_options_dataclass() -> None:
    """One home for every stylize default: the flags of `stylize` and `faces` read StylizeOptions."""
    from dataclasses import fields

    from animegan.cli.stylize import options_from
    from animegan.inference.options import StylizeOptions

    args = cli.build_parser().parse_args(["stylize", "in.png", "-o", "out"])
    assert options_from(args) == StylizeOptions()
    faces = cli.build_parser().parse_args(["faces", "in.png", "-o", "out"])
    assert faces.weights == StylizeOptions().face_weights and faces.detector == StylizeOptions().detector
    assert {f.name for f in fields(StylizeOptions)} <= set(vars(args))
