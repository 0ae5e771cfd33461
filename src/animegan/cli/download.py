"""``animegan download NAME... --root DIR [--url URL]``: public AnimeGAN data into the reference layout."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from animegan.data.download.datasets import REGISTRY, custom_source, describe_registry, fetch_and_install
from animegan.workers import default_workers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "download",
        help="download photo/style sets or vgg19.npy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Download, verify and extract into the reference layout (resumable; run again after an "
        "interruption). Style sets are prepared (smooth/, dataset.json) after extraction.\n\nKnown names:\n"
        + describe_registry(),
    )
    parser.add_argument("names", nargs="+", metavar="NAME", help="names above (or any name with --url)")
    parser.add_argument("--root", required=True, help="dataset root folder")
    parser.add_argument("--url", help="override the source URL (one NAME only)")
    parser.add_argument("--sha256", help="expected sha256 of the download (one NAME only)")
    parser.add_argument("--keep-archive", action="store_true", help="keep the archive in ROOT/.downloads")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes for prepare")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def _usage(message: str) -> int:
    print(f"animegan download: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if (args.url or args.sha256) and len(args.names) != 1:
        return _usage("--url and --sha256 apply to exactly one NAME")
    sources = []
    for name in args.names:
        if name in REGISTRY:
            source = REGISTRY[name]
            if args.url or args.sha256:
                source = dataclasses.replace(
                    source, url=args.url or source.url, sha256=args.sha256 or source.sha256
                )
        elif args.url:
            source = custom_source(name, args.url, args.sha256)
        else:
            return _usage(f"unknown name {name!r}; known: {', '.join(REGISTRY)} (or give --url)")
        sources.append(source)
    installed = fetch_and_install(sources, args.root, args.keep_archive, args.workers, args.quiet)
    failed = 0
    for item in installed:
        for report in item.prepared:
            for _name, message in report.skipped:
                print(f"animegan: skipped {message}", file=sys.stderr)
            failed += len(report.skipped)
            print(
                f"{report.style_root}: {report.written} smoothed, {report.up_to_date} up to date, {len(report.skipped)} skipped"
            )
        print(f"{item.name}: done ({', '.join(str(p) for p in item.folders)})")
    return 1 if failed else 0
