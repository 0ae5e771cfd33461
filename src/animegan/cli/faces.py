"""``animegan faces INPUT... -o OUT``: one FFHQ-aligned, stylized crop per detected face."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from animegan.errors import AnimeGANError
from animegan.imageio import is_image_path, read_image, write_image
from animegan.weights.released import DEFAULT_FACE_MODEL as DEFAULT_FACE_WEIGHTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faces",
        help="align and stylize every face of photos (the classic AnimeGAN face stylization)",
        description="Detect faces (dlib), align each one FFHQ-style, stylize the aligned crop with a face model and "
        "write OUT/<input stem>_face<k>.png (k = 0, 1, ... left to right).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    parser.add_argument(
        "--weights",
        default=DEFAULT_FACE_WEIGHTS,
        help=f"face model: file or released name ({DEFAULT_FACE_WEIGHTS})",
    )
    parser.add_argument(
        "--size", type=int, default=512, help="side of the aligned crop in pixels (default 512)"
    )
    parser.add_argument(
        "--side-by-side", action="store_true", help="put the aligned input left of the result"
    )
    parser.add_argument(
        "--detector", choices=("hog", "cnn"), default="hog", help="dlib face detector (default hog)"
    )
    parser.add_argument(
        "--min-face", type=int, default=64, metavar="PX", help="skip faces smaller than this (default 64 px)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    parser.add_argument("--precision", default="auto", help="auto, fp32, fp16 or bf16 (default auto)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def image_inputs(inputs: list[str]) -> list[Path]:
    """Input files in order; folders expand to their images (sorted, not recursive)."""
    paths: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            paths += sorted(p for p in item.iterdir() if p.is_file() and is_image_path(p))
        else:
            paths.append(item)
    return paths


def stylized_faces(rgb: np.ndarray, detector, stylizer, size: int, min_face: int, side_by_side: bool):
    """(crops, notes): the stylized aligned crop of every face of ``rgb`` large enough, left to right."""
    from animegan.inference.align import align_face

    faces = detector(rgb)
    notes = [] if faces else ["no face found"]
    crops = []
    for face in faces:
        if face.box.size < min_face:
            notes.append(f"skipped a face of {face.box.size:.0f} px (< {min_face} px)")
            continue
        aligned = align_face(rgb, face.landmarks, size)
        styled = stylizer(aligned.crop)
        crops.append(np.concatenate([aligned.crop, styled], axis=1) if side_by_side else styled)
    return crops, notes


def run(args: argparse.Namespace) -> int:
    from animegan.inference.faces import FaceDetector
    from animegan.inference.stylizer import Stylizer
    from animegan.progress import make_progress

    if args.size < 16:
        print(f"animegan: error: --size {args.size} is too small; expected at least 16", file=sys.stderr)
        return 2
    paths = image_inputs(args.inputs)
    if not paths:
        print("animegan: error: no input images found", file=sys.stderr)
        return 2
    detector = FaceDetector(args.detector)
    stylizer = Stylizer.from_weights(
        args.weights, device=args.device, precision=args.precision, quiet=args.quiet
    )
    out_dir = Path(args.output)
    failed = written = 0
    with make_progress(disable=args.quiet) as progress:
        task = progress.add_task("faces", total=len(paths), unit="img")
        for path in paths:
            try:
                rgb = read_image(path).rgb
                crops, notes = stylized_faces(
                    rgb, detector, stylizer, args.size, args.min_face, args.side_by_side
                )
                for k, crop in enumerate(crops):
                    write_image(out_dir / f"{path.stem}_face{k}.png", crop)
                written += len(crops)
                for note in notes:
                    progress.console.print(
                        f"animegan: note: {path}: {note}", highlight=False, markup=False, soft_wrap=True
                    )
            except (AnimeGANError, OSError) as exc:
                failed += 1
                message = str(exc) if isinstance(exc, AnimeGANError) else f"{path}: {exc.strerror or exc}"
                progress.console.print(
                    f"animegan: error: {message}", highlight=False, markup=False, soft_wrap=True
                )
            progress.advance(task)
    print(f"{written} face crop(s) from {len(paths) - failed} image(s) written to {out_dir}")
    return 1 if failed else 0
