"""``animegan export --weights W --format onnx|torchscript -o FILE``: a deployable generator, parity-checked."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a generator to ONNX or TorchScript (dynamic height/width)",
        description="Export generator weights; input float32 NCHW RGB in [-1, 1], output in [-1, 1]. The file is "
        "checked against eager PyTorch (max abs difference <= 1e-4) before it is kept.",
    )
    parser.add_argument(
        "--weights",
        required=True,
        help="generator file, TF checkpoint folder/prefix, released name or hf:// spec",
    )
    parser.add_argument("--format", choices=("onnx", "torchscript"), default="onnx", help="default onnx")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="output file (.onnx / .pt)")
    parser.add_argument("--url", help="base URL for downloading released weights")
    parser.add_argument("--no-check", action="store_true", help="skip the parity check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from animegan.errors import AnimeGANError
    from animegan.inference.export import export
    from animegan.weights import released
    from animegan.weights.io import load_weights

    try:
        source = released.resolve(args.weights, base_url=args.url)
        if source.suffix.lower() == ".onnx":
            raise AnimeGANError(f"{args.weights}: already an ONNX model; export takes PyTorch or TF weights")
        generator = load_weights(source)
        error = export(generator, args.output, args.format, check=not args.no_check)
    except AnimeGANError as exc:
        print(f"animegan export: error: {exc}", file=sys.stderr)
        return 1
    parity = "" if error is None else f" (max abs difference vs PyTorch {error:.1e})"
    print(f"{args.output}: {args.format}{parity}")
    return 0
