"""``animegan prepare STYLE_DIR``: edge-smoothed ``smooth/`` and the data-mean JSON for a style set; with
``--superpixels`` also the photos' superpixel images that AnimeGANv3 trains with."""

from __future__ import annotations

import argparse
import sys

from animegan.data.image_side import IMAGE_SIDE
from animegan.data.layout import resolve_style_root
from animegan.data.prepare.reference_io import SMOOTH_PNG_LEVEL
from animegan.data.prepare.style import prepare_style_dir
from animegan.data.prepare.v3 import prepare_photo_superpixels, prepare_salt_noise
from animegan.workers import default_workers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="edge-smooth a style set and measure its data mean",
        description="Write <Style>/smooth/ (CartoonGAN edge smoothing) and <Style>/dataset.json (data-mean shift, "
        "counts) for STYLE_DIR = <root>/<Style> containing style/. Outputs newer than their inputs are kept.",
    )
    parser.add_argument("style_dir", metavar="STYLE_DIR", help="<root>/<Style> (the folder holding style/)")
    parser.add_argument(
        "--size", type=int, default=IMAGE_SIDE, help=f"side of the smoothed images (default {IMAGE_SIDE})"
    )
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes (default: CPU cores)"
    )
    parser.add_argument(
        "--superpixels",
        action="store_true",
        help="also write <root>/seg_train_5-0.8-50/: each training photo's superpixel image (AnimeGANv3: "
        "felzenszwalb scale 5, sigma 0.8, min_size 50, segments painted with their mean colour)",
    )
    parser.add_argument(
        "--salt-noise",
        action="store_true",
        help="also write <Style>/smooth_noise/: the smooth images with 10%% salt noise (AnimeGANv3 Shinkai)",
    )
    parser.add_argument(
        "--png-level",
        type=png_level,
        default=SMOOTH_PNG_LEVEL,
        help=f"zlib level of PNG outputs, 0-9, or 'reference' for OpenCV's defaults (the reference script's "
        f"bytes); default {SMOOTH_PNG_LEVEL}: stored, fastest to write and to read in training; the pixels are "
        "the same at every level, higher levels give smaller files",
    )
    parser.add_argument("--force", action="store_true", help="rewrite outputs even when up to date")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def png_level(text: str) -> int | None:
    """``--png-level``: a zlib level, or ``reference`` (None: OpenCV's defaults)."""
    if text == "reference":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 0-9 or 'reference'") from None


def run(args: argparse.Namespace) -> int:
    report = prepare_style_dir(
        args.style_dir,
        size=args.size,
        workers=args.workers,
        force=args.force,
        quiet=args.quiet,
        png_level=args.png_level,
    )
    code = print_report(report)
    options = {"workers": args.workers, "force": args.force, "quiet": args.quiet}
    if args.salt_noise:
        code = max(
            code, print_extra_report(prepare_salt_noise(args.style_dir, **options), "salt-noise images")
        )
    if args.superpixels:
        root = resolve_style_root(args.style_dir).parent
        code = max(code, print_extra_report(prepare_photo_superpixels(root, **options), "superpixel images"))
    return code


def print_report(report) -> int:
    """Print what prepare did (skips on stderr); the exit code: 1 when something was skipped or nothing usable."""
    for _name, message in report.skipped:
        print(f"animegan: skipped {message}", file=sys.stderr)
    for name, source in report.converted:
        print(f"converted {name} from {source}")
    info = report.info or {}
    shift = ", ".join(f"{v:+.4f}" for v in info.get("mean_shift_rgb", []))
    print(
        f"{report.style_root}: {report.written} smoothed, {report.up_to_date} up to date, "
        f"{len(report.skipped)} skipped" + (f"; data-mean shift (R, G, B) = ({shift})" if shift else "")
    )
    return 1 if report.skipped or not info else 0


def print_extra_report(report, what: str) -> int:
    """Print what an AnimeGANv3 step did (skips on stderr); exit code 1 when an image was skipped."""
    for _name, message in report.skipped:
        print(f"animegan: skipped {message}", file=sys.stderr)
    print(
        f"{report.style_root}: {report.written} {what} written, {report.up_to_date} up to date, "
        f"{len(report.skipped)} skipped"
    )
    return 1 if report.skipped else 0
