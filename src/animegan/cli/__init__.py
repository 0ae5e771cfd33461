"""The ``animegan`` command: one sub-command per module of this package.

Each module in ``COMMANDS`` defines ``register(subparsers)``, which adds its parser and sets ``func``
(a callable taking the parsed arguments and returning an exit code). Exit codes: 0 all done, 1 some inputs
failed (each named on stderr in one line), 2 usage error, 128 + N stopped by signal N (130 Ctrl-C, 143 SIGTERM,
129 SIGHUP; unfinished outputs removed, one line).

The sub-command modules import the library inside their ``run`` functions, on purpose: building the parser and
``--help`` load no torch, OpenCV or PyAV.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from animegan.errors import AnimeGANError
from animegan.signals import exit_status, signal_name, signals_unwind

COMMANDS = (
    "stylize",
    "faces",
    "prepare",
    "frames",
    "ui",
    "download",
    "demo_data",
    "export",
    "weights",
    "eval",
    "push",
)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="animegan", description="Stylize photos, videos and faces with AnimeGAN."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"animegan.cli.{name}").register(subparsers)
    return parser


def error(message: str) -> None:
    """Print one error line to stderr."""
    print(f"animegan: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``animegan`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with signals_unwind():
            return int(args.func(args) or EXIT_OK)
    except AnimeGANError as exc:
        error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt as exc:  # Ctrl-C, and SIGTERM / SIGHUP through signals_unwind
        where = "".join(f" {note}" for note in getattr(exc, "__notes__", ()))
        error(f"stopped by {signal_name(exc)}{where}; unfinished output removed")
        return exit_status(exc)


if __name__ == "__main__":
    sys.exit(main())
