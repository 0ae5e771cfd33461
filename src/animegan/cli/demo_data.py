"""``animegan demo-data DIR``: build the embedded demo dataset offline (scikit-image photos + cartoon filter)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from animegan.data.demo.dataset import DEMO_STYLE, make_demo_dataset
from animegan.data.image_side import IMAGE_SIDE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="build the small offline demo dataset",
        description="Write DIR/train_photo/ (crops of scikit-image's photos), DIR/Demo/style|smooth/ (disjoint "
        "crops through a cartoon filter, edge-smoothed), DIR/val/ and DIR/seg_train_5-0.8-50/ (the photos' "
        "superpixel images, for model=v3). Deterministic for a given --seed; earlier demo folders in DIR are "
        "replaced.",
    )
    parser.add_argument("dir", metavar="DIR", type=Path, help="dataset root to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--photos", type=int, default=100, help="number of training photos (default 100)")
    parser.add_argument("--style", type=int, default=100, help="number of style images (default 100)")
    parser.add_argument("--val", type=int, default=8, help="number of validation photos (default 8)")
    parser.add_argument(
        "--size", type=int, default=IMAGE_SIDE, help=f"side of the square images (default {IMAGE_SIDE})"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for name in ("photos", "style", "size"):
        if getattr(args, name) < 1:
            print(f"animegan demo-data: error: --{name} must be at least 1", file=sys.stderr)
            return 2
    start = time.perf_counter()
    root = make_demo_dataset(args.dir, args.seed, args.photos, args.style, max(0, args.val), args.size)
    print(
        f"{root}: {args.photos} photos, {args.style} style images ({DEMO_STYLE}), {args.val} val photos "
        f"in {time.perf_counter() - start:.1f} s; train with `animegan-train experiment=demo paths.data_dir={root}`"
    )
    return 0
