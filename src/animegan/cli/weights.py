"""``animegan weights list|download|convert|card``: the released generators, the local cache, conversion to our
format, model cards."""

from __future__ import annotations

import argparse
import sys

from animegan.errors import AnimeGANError

FAMILIES = (
    "port = the PyTorch port's .pt; tf = the authors' TF1 checkpoint, converted once; onnx = AnimeGANv3 ONNX"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "weights",
        help="list, download or convert generator weights",
        description="Released generators of every AnimeGAN family, cached in $ANIMEGAN_CACHE/weights (default "
        "~/.cache/animegan/weights). The sha256 of the first download is recorded and checked on every later use; "
        f"`--weights NAME` then works offline. Families: {FAMILIES}.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="every released generator: family, size, cache, licence, source"
    )
    listing.set_defaults(func=run_list)
    fetch = actions.add_parser(
        "download", help="download released weights into the cache (TF ones converted)"
    )
    fetch.add_argument("names", nargs="+", metavar="NAME")
    fetch.add_argument(
        "--url",
        help="a folder URL holding the files under their upstream names (default: each file's source)",
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=run_download)
    convert = actions.add_parser(
        "convert",
        help="convert a TF1 checkpoint (folder or .ckpt prefix), a v1/v2 ONNX or a .pt into .safetensors",
        description="Writes OUT (.safetensors) with the generator's config (architecture, upsampling mode, norm "
        "epsilon) in its metadata, so that --weights OUT reproduces the source's forward. No TensorFlow needed.",
    )
    convert.add_argument(
        "source", metavar="SRC", help="checkpoint folder, .ckpt prefix, .onnx or weights file"
    )
    convert.add_argument("-o", "--output", required=True, metavar="OUT", help="output .safetensors file")
    convert.set_defaults(func=run_convert)
    card = actions.add_parser(
        "card",
        help="print or write the model card (README.md with Hub metadata) of any weights",
        description="A training run (folder or its generator.pt) gets its run card with provenance and licence; a "
        "released name its licence and source; any other file or hf:// spec what it records about itself.",
    )
    card.add_argument(
        "weights", metavar="WEIGHTS", help="run folder, generator.pt, released name, file or hf://"
    )
    card.add_argument("-o", "--output", metavar="FILE", help="write the card here instead of printing it")
    card.set_defaults(func=run_card)
    parser.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    from animegan.weights import released
    from animegan.weights.registry import LICENCE_TAGS

    print(f"cache: {released.cache_dir()}")
    print(
        f"{'name':<20} {'family':<6} {'arch':<4} {'size':>4}  {'cached':<6} {'sha256':<14} {'licence':<15} description"
    )
    for entry in released.RELEASED.values():
        digest = released.expected_sha256(entry.name)
        cached = "yes" if released.is_cached(entry.name) else "no"
        print(
            f"{entry.name:<20} {entry.family:<6} {entry.arch:<4} {entry.train_size:>4}  {cached:<6} "
            f"{(digest[:12] + '..') if digest else '-':<14} {LICENCE_TAGS[entry.licence]:<15} {entry.description}"
        )
        more = f" (+{len(entry.files) - 1} file)" if len(entry.files) > 1 else ""
        print(f"{'':<20} source: {released.url_for(entry.name)}{more}")
        if entry.note:
            print(f"{'':<20} note: {entry.note}")
    print("licences:")
    for text, tag in LICENCE_TAGS.items():
        print(f"  {tag}: {text}")
    print(f"families: {FAMILIES}")
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


def run_convert(args: argparse.Namespace) -> int:
    from animegan.weights.io import convert_file

    try:
        output, config = convert_file(args.source, args.output)
    except AnimeGANError as exc:
        print(f"animegan weights: error: {exc}", file=sys.stderr)
        return 1
    details = ", ".join(f"{k}={v}" for k, v in config.items())
    print(f"{output}: {details}")
    return 0


def run_card(args: argparse.Namespace) -> int:
    from animegan.atomic import atomic_write
    from animegan.hub.weights_card import weights_card

    try:
        text = weights_card(args.weights)
    except AnimeGANError as exc:
        print(f"animegan weights: error: {exc}", file=sys.stderr)
        return 1
    if args.output:
        print(atomic_write(args.output, lambda p: p.write_text(text)))
    else:
        print(text, end="")
    return 0
