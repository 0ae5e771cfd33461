"""``animegan faces INPUT... -o OUT``: one FFHQ-aligned, stylized crop per detected face."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from animegan.cli import model_flags
from animegan.cli.model_flags import DEFAULTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faces",
        help="align and stylize every face of photos (the classic AnimeGAN face stylization)",
        description="Detect faces (dlib), align each one FFHQ-style, stylize the aligned crop with a face model and "
        "write OUT/<input stem>_face<k>.png (k = 0, 1, ... left to right).",
    )
    add = parser.add_argument
    add("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    add("-o", "--output", required=True, metavar="OUT", help="output folder")
    model_flags.add_weights(parser, default=DEFAULTS.face_weights, what="face model")
    add("--size", type=int, default=512, help="side of the aligned crop in pixels (default %(default)s)")
    add("--side-by-side", action="store_true", help="put the aligned input left of the result")
    model_flags.add_detector(parser)
    add(
        "--min-face",
        type=int,
        default=64,
        metavar="PX",
        help="skip faces smaller than this (default %(default)s px)",
    )
    model_flags.add_device(parser)
    model_flags.add_precision(parser)
    model_flags.add_plan_thresholds(parser)
    model_flags.add_quiet(parser)
    model_flags.add_verbose(parser)
    parser.set_defaults(func=run)


def _error(message: str) -> None:
    print(f"animegan: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from animegan.faces.crops import CropOptions, write_face_crops
    from animegan.faces.detect import FaceDetector
    from animegan.inference.plan import image_files
    from animegan.inference.stylizer import Stylizer

    model_flags.show_verbose(args.verbose)
    if args.size < 16:
        _error(f"--size {args.size} is too small; expected at least 16")
        return 2
    paths = image_files(args.inputs)
    if not paths:
        _error("no input images found")
        return 2
    detector = FaceDetector(args.detector)
    stylizer = Stylizer.from_weights(
        args.weights,
        device=args.device,
        precision=args.precision,
        quiet=args.quiet,
        **model_flags.thresholds(args),
    )
    options = CropOptions(size=args.size, min_face=args.min_face, side_by_side=args.side_by_side)
    report = write_face_crops(
        paths,
        Path(args.output),
        detector,
        stylizer,
        options,
        on_note=lambda path, note: print(f"animegan: note: {path}: {note}", file=sys.stderr),
        on_failure=_error,
        quiet=args.quiet,
    )
    print(f"{report.written} face crop(s) from {report.images} image(s) written to {args.output}")
    return 1 if report.failed else 0
