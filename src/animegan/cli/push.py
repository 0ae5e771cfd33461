"""``animegan push RUN_DIR OWNER/REPO [--private] [--revision BRANCH]``: share a trained style on the Hub."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push",
        help="upload a trained run's Hub folder (RUN/hub/) to the Hugging Face Hub",
        description="Uploads RUN_DIR/hub/ (model.safetensors, config.json, sample.png, README.md model card with "
        "licence and provenance), rebuilding it from RUN_DIR/.hydra/config.yaml for runs that predate it. Log in "
        "first (`hf auth login` or HF_TOKEN). Read the card's licence before publishing. Others then use "
        "--weights hf://OWNER/REPO.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a training run folder (or a Hub folder)")
    parser.add_argument("repo", metavar="OWNER/REPO", help="the model repository (created if missing)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--revision", metavar="BRANCH", help="push to this branch (created if missing)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from animegan.hub.push import push

    pushed = push(args.run_dir, args.repo, private=args.private, revision=args.revision)
    print(f"{pushed.folder} -> {pushed.url}")
    print(f"use it with: --weights hf://{pushed.repo}" + (f"@{pushed.revision}" if pushed.revision else ""))
    return 0
