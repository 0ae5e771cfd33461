"""``animegan ui [--port P] [--host 127.0.0.1] [--weights W]``: the web UI (Gradio) with the ``/stylize`` API."""

from __future__ import annotations

import argparse
import sys

from animegan.cli import model_flags
from animegan.cli.model_flags import DEFAULTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="web UI with an API (Gradio; pip install animegan[ui])",
        description="Serve a page to stylize photos and short videos (weights, strength, keep colours, faces, "
        "before/after, download) and the API endpoint /stylize for gradio_client. Binds to 127.0.0.1 unless "
        "--host says otherwise.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default %(default)s: this machine only)")
    add("--port", type=int, help="port (default: the first free one from 7860)")
    model_flags.add_weights(parser, repeat=True)
    model_flags.add_face_weights(parser)
    model_flags.add_device(parser)
    model_flags.add_precision(parser)
    model_flags.add_verbose(parser)
    add("--max-pixels", type=int, help="largest image or video frame accepted, in pixels")
    add("--max-video-seconds", type=float, help="longest video accepted")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model_flags.show_verbose(args.verbose)
    try:
        from animegan.ui.app import launch
    except ImportError as exc:
        print(
            f"animegan ui: error: {exc.name or exc} is missing; pip install 'animegan[ui]'", file=sys.stderr
        )
        return 1
    from dataclasses import replace

    from animegan.ui.engine import Engine, Limits

    asked = {"max_pixels": args.max_pixels, "max_video_seconds": args.max_video_seconds}
    limits = Limits(**{name: value for name, value in asked.items() if value is not None})
    options = replace(DEFAULTS, face_weights=args.face_weights, device=args.device, precision=args.precision)
    launch(Engine(options, args.weights, limits), host=args.host, port=args.port, block=True)
    return 0
