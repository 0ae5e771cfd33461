"""``animegan weights list|download``: the released generator weights and the local cache."""

from __future__ import annotations

import argparse
import sys

from animegan.errors import AnimeGANError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "weights",
        help="list or download released generator weights",
        description="Released generators of the PyTorch AnimeGANv2 port, cached in $ANIMEGAN_CACHE/weights "
        "(default ~/.cache/animegan/weights). The sha256 of the first download is recorded and checked on every "
        "later use; `--weights NAME` then works offline.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="released names, architecture, training size, cache state")
    listing.set_defaults(func=run_list)
    fetch = actions.add_parser("download", help="download released weights into the cache")
    fetch.add_argument("names", nargs="+", metavar="NAME")
    fetch.add_argument(
        "--url", help="base URL to download from (default: $ANIMEGAN_WEIGHTS_URL or the port's)"
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=run_download)
    parser.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    from animegan.weights import released

    print(f"cache: {released.cache_dir()}")
    print(f"{'name':<20} {'arch':<5} {'size':>5}  {'cached':<7} {'sha256':<14} description")
    for entry in released.RELEASED.values():
        digest = released.expected_sha256(entry.name)
        cached = "yes" if released.is_cached(entry.name) else "no"
        print(
            f"{entry.name:<20} {entry.arch:<5} {entry.train_size:>5}  {cached:<7} "
            f"{(digest[:12] + '..') if digest else '-':<14} {entry.description}"
        )
    return 0


def run_download(args: argparse.Namespace) -> int:
    from animegan.weights import released

    failed = 0
    for name in args.names:
        try:
            print(released.fetch(name, base_url=args.url, quiet=args.quiet))
        except AnimeGANError as exc:
            print(f"animegan weights: error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0
