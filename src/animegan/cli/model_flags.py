"""The flags ``stylize``, ``faces`` and ``ui`` share (weights, device, precision, detector, quiet, verbose, the
runtime switch's thresholds), declared once, with their defaults from ``StylizeOptions``; and ``--verbose``'s
output (no torch import here)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from animegan.inference.options import DETECTORS, PRECISIONS, StylizeOptions

DEFAULTS = StylizeOptions()
WEIGHTS_HELP = (
    "{what} file (.pt/.ckpt/.safetensors/.onnx), TF checkpoint folder or .ckpt prefix, or released name "
    "(see `animegan weights list`), or hf://OWNER/REPO[/FILE][@REV] (Hugging Face Hub)"
)
LOGGER = "animegan"  # --verbose shows this logger's INFO lines (the execution plan) on stderr


def add_weights(
    parser: argparse.ArgumentParser, default: str | None = None, repeat: bool = False, what: str = "generator"
) -> None:
    """``--weights``: one ``what`` (``default`` when given), or several with ``repeat``."""
    text = WEIGHTS_HELP.format(what=what)
    if repeat:
        parser.add_argument("--weights", action="append", default=[], metavar="W", help=f"{text}; repeat")
    elif default is not None:
        parser.add_argument("--weights", default=default, help=f"{text} (default %(default)s)")
    else:
        parser.add_argument("--weights", help=text)


def add_face_weights(parser: argparse.ArgumentParser) -> None:
    """``--face-weights``: the face model that restyles faces."""
    parser.add_argument("--face-weights", default=DEFAULTS.face_weights, help="face model (%(default)s)")


def add_device(parser: argparse.ArgumentParser) -> None:
    """``--device``."""
    parser.add_argument(
        "--device", default=DEFAULTS.device, help="auto, cpu, cuda, cuda:N (default %(default)s)"
    )


def add_precision(parser: argparse.ArgumentParser) -> None:
    """``--precision``."""
    parser.add_argument(
        "--precision",
        default=DEFAULTS.precision,
        choices=PRECISIONS,
        help="auto: the fastest that keeps the fp32 result; int8: CPU + OpenVINO only (default %(default)s)",
    )


def add_detector(parser: argparse.ArgumentParser) -> None:
    """``--detector``."""
    parser.add_argument(
        "--detector",
        choices=DETECTORS,
        default=DEFAULTS.detector,
        help="dlib face detector (default %(default)s)",
    )


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet``."""
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def at_least(least: int) -> Callable[[str], int]:
    """argparse type: a whole number of at least ``least``; one line otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, got {text!r}")
        return value

    return parse


def add_plan_thresholds(parser: argparse.ArgumentParser) -> None:
    """``--openvino-min-pixels``, ``--openvino-break-even-pixels``, ``--tile-stats-side``: the thresholds of the
    execution plan, measured on one CPU (see ``runtimes.switch``), for other machines to set."""
    measured = "default %(default)s, measured on a 2-core x86 CPU"
    parser.add_argument(
        "--openvino-min-pixels",
        type=at_least(0),
        default=DEFAULTS.openvino_min_pixels,
        metavar="N",
        help=f"--runtime auto: images (or video frames) of fewer pixels always run on PyTorch ({measured})",
    )
    parser.add_argument(
        "--openvino-break-even-pixels",
        type=at_least(0),
        default=DEFAULTS.openvino_break_even_pixels,
        metavar="N",
        help="--runtime auto: pixels run on PyTorch before OpenVINO is built, so a single photo never pays for "
        f"the build ({measured})",
    )
    parser.add_argument(
        "--tile-stats-side",
        type=at_least(1),
        default=DEFAULTS.tile_stats_side,
        metavar="N",
        help="with tiles: least longer side of the downscaled pass that gives every tile the whole image's "
        f"statistics; larger is closer to untiled but costs memory ({measured})",
    )


THRESHOLDS = ("openvino_min_pixels", "openvino_break_even_pixels", "tile_stats_side")  # StylizeOptions fields


def thresholds(args: argparse.Namespace) -> dict[str, int]:
    """The parsed ``add_plan_thresholds`` flags by StylizeOptions field (and ``Stylizer.from_weights`` argument)."""
    return {name: getattr(args, name) for name in THRESHOLDS}


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``--verbose``: print how each model runs (device, precision, runtime, tiles) on stderr."""
    parser.add_argument(
        "--verbose", action="store_true", help="print the execution plan (device, precision, runtime, tiles)"
    )


class _Stderr(logging.Handler):
    """Writes to the current ``sys.stderr`` (not the one at set-up: tests and tools swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"animegan: {self.format(record)}", file=sys.stderr)


def show_verbose(verbose: bool) -> None:
    """Show (``--verbose``) the package's INFO lines on stderr, or leave its logging as Python's default; set anew
    by every command that has the flag."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _Stderr)]:
        logger.removeHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.NOTSET)
    if verbose:
        logger.addHandler(_Stderr())
