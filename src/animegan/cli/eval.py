"""``animegan eval``: FID/KID of stylized photos against the photos and the style set, parameters and latency
(DTGAN's Table 1) for each weights; or, with ``--video``, the warping error of a stylized clip."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from animegan.eval.options import EvalOptions

DEFAULTS = EvalOptions()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="measure models: FID/KID to photos and style, speed; or a video's warping error",
        description="For each --weights: stylize the photos, then FID and KID (mean and std over subsets) of the "
        "results against the photos and the style set (FID Inception pool3 features), the parameter count and "
        "the latency. Writes OUT/eval.json, OUT/eval.md and OUT/eval.png. With --video CLIP: the warping error "
        "of the plain output, of --temporal and of the input.",
    )
    add = parser.add_argument
    add(
        "--weights", nargs="+", default=[], metavar="W", help="generator files, released names or hf:// specs"
    )
    add("--photos", type=Path, metavar="DIR", help="folder of photos (stylized and compared)")
    add("--style", type=Path, metavar="DIR", help="folder of style images (anime frames)")
    add("-o", "--output", type=Path, metavar="OUT", help="output folder (eval.json, eval.md, eval.png)")
    add("--size", type=int, default=DEFAULTS.size, help="square image size (default %(default)s)")
    add("--hr", action="store_true", help="also the latency at 1920x1080")
    add("--limit", type=int, metavar="N", help="at most N images per set")
    add("--kid-subset", type=int, default=DEFAULTS.kid_subset, help="images per KID subset (%(default)s)")
    add("--kid-subsets", type=int, default=DEFAULTS.kid_subsets, help="KID subsets (%(default)s)")
    add(
        "--baseline",
        nargs="+",
        default=[],
        choices=("photo", "cartoon"),
        help="extra rows: the untouched photos, the classical cartoon filter",
    )
    add(
        "--inception",
        type=Path,
        metavar="FILE",
        help="feature network file (pytorch-fid layout); default: the release, fetched once into the cache",
    )
    add("--save-features", action="store_true", help="write OUT/features/*.npy (N x 2048)")
    add("--device", default=DEFAULTS.device, help="auto, cpu, cuda, cuda:N (default %(default)s)")
    add("--video", type=Path, metavar="CLIP", help="measure the warping error of CLIP stylized by --weights")
    add("--temporal", action="store_true", help="with --video: also the warping error of --temporal")
    add("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run, parser=parser)


def options_from(args: argparse.Namespace) -> EvalOptions:
    """The EvalOptions named by the parsed flags."""
    return EvalOptions(
        size=args.size,
        hr=args.hr,
        limit=args.limit,
        kid_subset=args.kid_subset,
        kid_subsets=args.kid_subsets,
        device=args.device,
        save_features=args.save_features,
        baselines=list(args.baseline),
        quiet=args.quiet,
    )


def run_video(args: argparse.Namespace) -> int:
    from animegan.eval.video import evaluate_video

    if len(args.weights) != 1:
        args.parser.error("--video takes exactly one --weights")
    record = evaluate_video(args.video, args.weights[0], args.temporal, args.device, args.limit, args.quiet)
    text = json.dumps(record, indent=2)
    print(text)
    if args.output:
        from animegan.atomic import atomic_write

        args.output.mkdir(parents=True, exist_ok=True)
        atomic_write(args.output / "eval_video.json", lambda p: p.write_text(text + "\n"))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.video:
        return run_video(args)
    missing = [flag for flag, value in (("--photos", args.photos), ("--style", args.style)) if value is None]
    missing += ["-o/--output"] if args.output is None else []
    if missing or not (args.weights or args.baseline):
        args.parser.error(f"eval needs {', '.join(missing) or '--weights'} (or --video CLIP --weights W)")
    from animegan.eval.chart import write_chart
    from animegan.eval.evaluate import as_json, evaluate
    from animegan.eval.inception import feature_net
    from animegan.eval.report import markdown, write_reports

    net = feature_net(args.inception, quiet=args.quiet)
    warn = lambda message: print(f"animegan eval: {message}", file=sys.stderr)  # noqa: E731
    result = evaluate(args.weights, args.photos, args.style, net, options_from(args), args.output, warn)
    document = as_json(result)
    written = write_reports(document, args.output)
    written.append(write_chart(result.records, result.grid, args.output / "eval.png"))
    print(markdown(document), end="")
    for path in written:
        print(path)
    return 1 if result.failures or not result.records else 0
