"""The flags stylize, faces and ui share are the same flags; ``--verbose`` prints the execution plan."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from animegan.cli import build_parser, main

SHARED = (
    "--device",
    "--precision",
    "--verbose",
    "--openvino-min-pixels",
    "--openvino-break-even-pixels",
    "--tile-stats-side",
)


def actions(command: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {flag: action for action in subparsers.choices[command]._actions for flag in action.option_strings}


def test_stylize_faces_and_ui_declare_the_shared_flags_alike():
    stylize, faces, ui = (actions(command) for command in ("stylize", "faces", "ui"))
    for flag in SHARED:
        same = [(a.help, a.default, a.choices) for a in (stylize[flag], faces[flag], ui[flag])]
        assert same[0] == same[1] == same[2], flag
    for flag in ("--detector", "--quiet"):
        assert (stylize[flag].help, stylize[flag].default) == (faces[flag].help, faces[flag].default)
    assert stylize["--face-weights"].help == ui["--face-weights"].help
    assert ui["--weights"].default == [] and faces["--weights"].default == "face_paint_512_v2"


@pytest.mark.parametrize("verbose", [True, False])
def test_verbose_prints_the_plan_on_stderr(fabricated_weights, write_png, tmp_path, rng, capsys, verbose):
    photo = write_png("in/photo.png", rng.integers(0, 256, (24, 40, 3), dtype=np.uint8))
    argv = ["stylize", str(photo), "-o", str(tmp_path / "out"), "--weights", str(fabricated_weights)]
    argv += ["--device", "cpu", "--precision", "fp32", "--runtime", "torch", "--tile", "64", "--quiet"]
    assert main(argv + (["--verbose"] if verbose else [])) == 0
    captured = capsys.readouterr()
    plan = (
        "animegan: execution plan: device cpu, torch fp32 channels_last, runtime torch, tiles 64 (overlap 32, "
        "statistics pass 512+ px)"
    )
    assert (plan in captured.err.splitlines()) == verbose
    assert "execution plan" not in captured.out and (tmp_path / "out" / "photo.png").is_file()


def test_threshold_flags_reach_the_printed_plan(
    fabricated_weights, write_png, tmp_path, rng, capsys, monkeypatch
):
    from animegan.inference.runtimes import openvino_runtime

    monkeypatch.setattr(
        openvino_runtime, "available", lambda: True
    )  # runtime auto keeps OpenVINO in the plan
    photo = write_png("in/photo.png", rng.integers(0, 256, (24, 40, 3), dtype=np.uint8))
    argv = ["stylize", str(photo), "-o", str(tmp_path / "out"), "--weights", str(fabricated_weights)]
    argv += ["--device", "cpu", "--precision", "fp32", "--tile", "64", "--tile-stats-side", "96", "--quiet"]
    argv += ["--openvino-min-pixels", "123", "--openvino-break-even-pixels", "4567", "--verbose"]
    assert main(argv) == 0
    plan = (
        "animegan: execution plan: device cpu, torch fp32 channels_last, runtime auto (openvino fp32 once 4567 "
        "pixels have run, images of 123+ pixels), tiles 64 (overlap 32, statistics pass 96+ px)"
    )
    assert plan in capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("command", ["stylize", "faces", "ui"])
@pytest.mark.parametrize(("flag", "value"), [("--openvino-min-pixels", "-1"), ("--tile-stats-side", "0")])
def test_a_bad_threshold_is_one_line_and_exit_2(command, flag, value, capsys):
    inputs = [] if command == "ui" else ["in.png", "-o", "out"]
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, *inputs, flag, value])
    assert exit_.value.code == 2
    least = 0 if flag == "--openvino-min-pixels" else 1
    assert f"expected a whole number of at least {least}, got '{value}'" in capsys.readouterr().err
