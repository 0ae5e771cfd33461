"""``animegan frames VIDEO... --style NAME --root DIR``: a style set (style/, smooth/, dataset.json) from anime video."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from animegan.frames.options import FITS, FrameOptions

DEFAULTS = FrameOptions()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "frames",
        help="build a style set from anime video (shots, sharp frames, no duplicates)",
        description="Decode each video, detect shots, keep the sharpest frames of every shot (black/fade and "
        "blurred frames, near-duplicates and letterbox bars dropped), write square frames to ROOT/NAME/style/, "
        "then prepare ROOT/NAME/smooth/ and dataset.json. A re-run skips videos already done.",
    )
    add = parser.add_argument
    add("inputs", nargs="+", metavar="VIDEO", help="video files or folders of videos")
    add("--style", required=True, metavar="NAME", help="style name: frames go to ROOT/NAME/style/")
    add("--root", required=True, metavar="DIR", help="dataset root (holding train_photo/ and the styles)")
    add(
        "--every",
        type=float,
        default=DEFAULTS.every,
        metavar="S",
        help="seconds between candidates (%(default)s)",
    )
    add(
        "--max",
        dest="max_frames",
        type=int,
        default=DEFAULTS.max_frames,
        metavar="N",
        help="frames per video",
    )
    add("--size", type=int, default=DEFAULTS.size, help="side of the square frames (%(default)s)")
    add("--fit", choices=FITS, default=DEFAULTS.fit, help="centre crop or squeeze to a square (%(default)s)")
    add(
        "--per-shot",
        type=int,
        default=DEFAULTS.per_shot,
        metavar="K",
        help="frames kept per shot (%(default)s)",
    )
    add("--cut-threshold", type=float, default=DEFAULTS.cut_threshold, help="shot cut level (%(default)s)")
    add("--min-shot-frames", type=int, default=DEFAULTS.min_shot_frames, help="shortest shot (%(default)s)")
    add("--min-sharpness", type=float, default=DEFAULTS.min_sharpness, help="blur floor (%(default)s)")
    add("--duplicate-bits", type=int, default=DEFAULTS.duplicate_bits, help="pHash distance (%(default)s)")
    add("--workers", type=int, default=1, help="processes for the prepare step (%(default)s)")
    add("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> FrameOptions:
    """The FrameOptions named by the parsed flags."""
    return FrameOptions(**{f.name: getattr(args, f.name) for f in fields(FrameOptions)})


def _error(message: str) -> None:
    print(f"animegan frames: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from animegan.cli.prepare import print_report
    from animegan.frames.style_frames import build_style_set

    try:
        options = options_from(args)
    except ValueError as exc:
        _error(str(exc))
        return 2
    report = build_style_set(
        args.inputs, args.root, args.style, options, workers=args.workers, quiet=args.quiet,
        on_clip=lambda clip: print(clip.summary()), on_failure=_error,
    )  # fmt: skip
    if report.prepared is None:
        _error(f"no frames in {report.style_root}; nothing to prepare")
        return 1
    code = print_report(report.prepared)
    return 1 if report.failures or code else 0
