"""``animegan ui [--port P] [--host 127.0.0.1] [--weights W] [--auth USER:PASS | --auth-file F] [--queue-size N]``:
the web UI (Gradio) with the ``/stylize`` API."""

from __future__ import annotations

import argparse
import sys

from animegan.cli import model_flags
from animegan.cli.model_flags import DEFAULTS
from animegan.ui.access import credentials, exposure_warning, parse_credentials


def _credentials_arg(text: str) -> tuple[str, str]:
    try:
        return parse_credentials(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="web UI with an API (Gradio; pip install animegan[ui])",
        description="Serve a page to stylize photos and short videos (weights, strength, keep colours, faces, "
        "before/after, download) and the API endpoint /stylize for gradio_client. Binds to 127.0.0.1 unless "
        "--host says otherwise; to share it, add --auth or --auth-file (a warning says when it is open).",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default %(default)s: this machine only)")
    add("--port", type=int, help="port (default: the first free one from 7860)")
    model_flags.add_weights(parser, repeat=True)
    model_flags.add_face_weights(parser)
    model_flags.add_device(parser)
    model_flags.add_precision(parser)
    model_flags.add_plan_thresholds(parser)
    model_flags.add_verbose(parser)
    add("--max-pixels", type=int, help="largest image or video frame accepted, in pixels")
    add("--max-video-seconds", type=float, help="longest video accepted")
    add(
        "--auth", type=_credentials_arg, action="append", default=[], metavar="USER:PASS",
        help="require this user and password for the page and the API (repeat for more users)",
    )  # fmt: skip
    add("--auth-file", metavar="FILE", help="require one of the USER:PASS lines of FILE (# comments allowed)")
    add(
        "--queue-size", type=model_flags.at_least(1), metavar="N",
        help="requests that may wait; the next ones are refused at once as busy (default: Limits.max_queue)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    auth = credentials(args.auth, args.auth_file)  # checked before the slow imports: a typo fails at once
    warning = exposure_warning(args.host, protected=auth is not None)
    if warning:
        print(warning, file=sys.stderr, flush=True)
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

    asked = {
        "max_pixels": args.max_pixels, "max_video_seconds": args.max_video_seconds, "max_queue": args.queue_size,
    }  # fmt: skip
    limits = Limits(**{name: value for name, value in asked.items() if value is not None})
    chosen = {"face_weights": args.face_weights, "device": args.device, "precision": args.precision}
    options = replace(DEFAULTS, **chosen, **model_flags.thresholds(args))
    launch(Engine(options, args.weights, limits), host=args.host, port=args.port, block=True, auth=auth)
    return 0
