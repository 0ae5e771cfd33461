"""``animegan stylize INPUT... -o OUT``: images, folders (mirrored) and videos (with their sound)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from animegan.cli import model_flags
from animegan.inference.colors import check_strength
from animegan.inference.options import RUNTIMES, StylizeOptions

DEFAULTS = StylizeOptions()


def tile_arg(text: str) -> int | str:
    """``--tile``: a positive side in pixels, or ``auto`` (sized from free GPU memory)."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive tile side in pixels or 'auto', got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stylize",
        help="stylize images, folders and videos",
        description="Stylize image files (jpg, png, webp, bmp, tiff, gif; animations frame by frame), folders (recursive, the tree is mirrored "
        "under OUT) and videos (mp4, mov, mkv, webm, avi; the sound track is kept). Output at the input's size; "
        "the format follows OUT's suffix (one input) or the input's.",
    )
    add = parser.add_argument
    add("inputs", nargs="+", metavar="INPUT", help="image/video files or folders")
    add("-o", "--output", required=True, metavar="OUT", help="output folder, or file for one input")
    model_flags.add_weights(parser)
    add("--url", help="folder URL holding released weight files (default: each file's source)")
    model_flags.add_device(parser)
    model_flags.add_precision(parser)
    add("--max-side", type=int, metavar="N", help="downscale inputs whose longer side exceeds N")
    add("--max-pixels", type=int, default=DEFAULTS.max_pixels, help="refuse larger images (bombs)")
    add(
        "--tile",
        type=tile_arg,
        metavar="N|auto",
        help="process large images in N x N tiles (bounded memory); auto: sized from free GPU memory",
    )
    add(
        "--tile-overlap",
        type=int,
        default=DEFAULTS.tile_overlap,
        metavar="N",
        help="tile overlap in pixels (%(default)s)",
    )
    add(
        "--batch",
        type=int,
        default=DEFAULTS.batch,
        metavar="N",
        help="video frames per inference batch (%(default)s)",
    )
    add("--crf", type=int, default=DEFAULTS.crf, help="video quality, lower is better (%(default)s)")
    add("--temporal", action="store_true", help="reduce video flicker (flow-guided blending)")
    add(
        "--strength",
        type=strength,
        default=DEFAULTS.strength,
        metavar="S",
        help="blend of photo (0) and stylization (1) (default %(default)s)",
    )
    add(
        "--keep-colors",
        action="store_true",
        default=DEFAULTS.keep_colors,
        help="keep the photo's colours: stylized luma, original chroma",
    )
    add("--faces", action="store_true", help="restyle faces with a face model and paste them back")
    model_flags.add_face_weights(parser)
    model_flags.add_detector(parser)
    add(
        "--compile",
        action="store_true",
        help="torch.compile the generator (minutes to compile; pays off on long videos)",
    )
    add(
        "--runtime",
        default=DEFAULTS.runtime,
        choices=RUNTIMES,
        help="auto: OpenVINO on the CPU once the work pays for its build (never for a single photo), else PyTorch; "
        "$ANIMEGAN_RUNTIME overrides auto (default %(default)s)",
    )
    model_flags.add_plan_thresholds(parser)
    model_flags.add_quiet(parser)
    model_flags.add_verbose(parser)
    parser.set_defaults(func=run)


def strength(text: str) -> float:
    """argparse type of ``--strength``: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    try:
        return check_strength(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def options_from(args: argparse.Namespace) -> StylizeOptions:
    """The StylizeOptions named by the parsed flags."""
    return StylizeOptions(**{f.name: getattr(args, f.name) for f in fields(StylizeOptions)})


class PrintedEvents:
    """Outputs on stdout, one line per failure on stderr, notes on stdout."""

    def done(self, job) -> None:
        print(job.target)

    def failed(self, message: str) -> None:
        print(f"animegan stylize: error: {message}", file=sys.stderr)

    def note(self, source: Path, message: str) -> None:
        print(f"{source}: {message}")


def run(args: argparse.Namespace) -> int:
    from animegan.inference.run import stylize_all

    model_flags.show_verbose(args.verbose)
    summary = stylize_all(args.inputs, args.output, options_from(args), PrintedEvents())
    total = summary.done + summary.failed
    failed = f", {summary.failed} failed" if summary.failed else ""
    print(f"stylized {summary.done} of {total} input(s){failed}", file=sys.stderr)
    return 1 if summary.failed or not summary.done else 0
