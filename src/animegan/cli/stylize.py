"""``animegan stylize INPUT... -o OUT``: images, folders (mirrored) and videos (with their sound)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from animegan.errors import AnimeGANError
from animegan.imageio import DEFAULT_MAX_PIXELS
from animegan.weights.released import DEFAULT_FACE_MODEL as DEFAULT_FACE_WEIGHTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stylize",
        help="stylize images, folders and videos",
        description="Stylize image files (jpg, png, webp, bmp, tiff), folders (recursive, the tree is mirrored "
        "under OUT) and videos (mp4, mov, mkv, webm, avi; the sound track is kept). Output at the input's size; "
        "the format follows OUT's suffix (one input) or the input's.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image/video files or folders")
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="output folder, or file for one input"
    )
    parser.add_argument(
        "--weights",
        help="generator file (.pt/.ckpt/.safetensors) or released name (see `animegan weights list`)",
    )
    parser.add_argument(
        "--url", help="base URL for downloading released weights (default: the port's GitHub)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default auto)")
    parser.add_argument(
        "--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"), help="default auto"
    )
    parser.add_argument(
        "--max-side", type=int, metavar="N", help="downscale inputs whose longer side exceeds N"
    )
    parser.add_argument(
        "--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="refuse larger images (bombs)"
    )
    parser.add_argument(
        "--tile", type=int, metavar="N", help="process large images in N x N tiles (bounded memory)"
    )
    parser.add_argument(
        "--tile-overlap", type=int, default=32, metavar="N", help="tile overlap in pixels (32)"
    )
    parser.add_argument(
        "--batch", type=int, default=4, metavar="N", help="video frames per inference batch (4)"
    )
    parser.add_argument("--crf", type=int, default=18, help="video quality, lower is better (18)")
    parser.add_argument("--temporal", action="store_true", help="reduce video flicker (flow-guided blending)")
    parser.add_argument(
        "--faces", action="store_true", help="restyle faces with a face model and paste them back"
    )
    parser.add_argument(
        "--face-weights", default=DEFAULT_FACE_WEIGHTS, help=f"face model ({DEFAULT_FACE_WEIGHTS})"
    )
    parser.add_argument("--detector", choices=("hog", "cnn"), default="hog", help="dlib face detector (hog)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the generator (minutes to compile; pays off on long videos)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def _error(message: str) -> None:
    print(f"animegan stylize: error: {message}", file=sys.stderr)


def _check_output_root(output: Path, single_file_target: bool) -> str | None:
    """One line if the output folder cannot be created or written, else None."""
    folder = output.parent if single_file_target else output
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{folder}: cannot create the output folder ({exc.strerror or exc})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder}: output folder is not writable"
    return None


class Runner:
    """Stylizes planned jobs one by one with a shared Stylizer (and face paster factory)."""

    def __init__(self, args: argparse.Namespace, stylizer) -> None:
        self.args = args
        self.stylizer = stylizer
        self._face_stylizer = None

    def face_paster(self, video: bool):
        """A new FacePaster for one input (the face model is loaded once)."""
        from animegan.inference.face_paste import FacePaster
        from animegan.inference.stylizer import Stylizer

        if self._face_stylizer is None:
            self._face_stylizer = Stylizer.from_weights(
                self.args.face_weights,
                device=self.args.device,
                precision=self.args.precision,
                base_url=self.args.url,
                quiet=self.args.quiet,
            )
        return FacePaster(face_stylizer=self._face_stylizer, detector=self.args.detector, video=video)

    def image(self, source: Path, target: Path) -> None:
        from animegan.imageio import read_image, write_image
        from animegan.inference.video import fit_max_side

        loaded = read_image(source, max_pixels=self.args.max_pixels)
        rgb = fit_max_side(loaded.rgb, self.args.max_side)
        alpha = loaded.alpha
        if alpha is not None and alpha.shape != rgb.shape[:2]:
            alpha = fit_max_side(alpha[..., None].repeat(3, axis=2), self.args.max_side)[..., 0]
        out = self.stylizer(rgb)
        if self.args.faces:
            out, notes = self.face_paster(video=False)(rgb, out)
            for note in notes:
                print(f"{source}: {note}")
        write_image(target, out, alpha)

    def video(self, source: Path, target: Path) -> None:
        from animegan.inference.temporal import TemporalSmoother
        from animegan.inference.video import stylize_video

        hooks = []
        paster = None
        if self.args.faces:
            paster = self.face_paster(video=True)
            hooks.append(lambda original, stylized: paster(original, stylized)[0])
        if self.args.temporal:
            hooks.append(TemporalSmoother())
        stylize_video(
            source,
            target,
            self.stylizer.stylize_batch,
            batch_size=self.args.batch,
            crf=self.args.crf,
            max_side=self.args.max_side,
            postprocess=hooks,
            show_progress=not self.args.quiet,
        )
        if paster is not None:
            print(f"{source}: {paster.timings.summary()}")

    def run_all(self, jobs: list) -> int:
        """Process every job (one stderr line per failure); returns how many succeeded."""
        from animegan.progress import make_progress

        done = 0
        images = sum(job.kind == "image" for job in jobs)
        with make_progress(disable=self.args.quiet or images < 2) as progress:
            task = progress.add_task("stylize images", total=images, unit="img")
            for job in jobs:
                try:
                    getattr(self, job.kind)(job.source, job.target)
                except AnimeGANError as exc:
                    message = str(exc)
                    _error(message if str(job.source) in message else f"{job.source}: {message}")
                except OSError as exc:
                    _error(f"{job.source}: cannot write {job.target} ({exc.strerror or exc})")
                except (RuntimeError, MemoryError) as exc:  # out of memory, mostly
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
                    _error(
                        f"{job.source}: inference failed ({first}); for large inputs try --tile 512 or --max-side"
                    )
                else:
                    done += 1
                    print(job.target)
                if job.kind == "image":
                    progress.advance(task)
        return done


def _run_jobs(args: argparse.Namespace, jobs: list, output: Path) -> int:
    """Check the output folder, load the weights, process the jobs; returns how many succeeded."""
    from animegan.inference.batch import kind_of
    from animegan.inference.stylizer import Stylizer

    single = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir() and kind_of(output) is not None
    problem = _check_output_root(output, single)
    if problem:
        _error(problem)
        return 0
    try:
        stylizer = Stylizer.from_weights(
            args.weights,
            device=args.device,
            precision=args.precision,
            base_url=args.url,
            quiet=args.quiet,
            tile=args.tile,
            tile_overlap=args.tile_overlap,
            compile=args.compile,
        )
    except AnimeGANError as exc:
        _error(str(exc))
        return 0
    return Runner(args, stylizer).run_all(jobs)


def run(args: argparse.Namespace) -> int:
    from animegan.inference.batch import plan

    output = Path(args.output)
    jobs, failures = plan(args.inputs, output)
    for failure in failures:
        _error(str(failure))
    done = _run_jobs(args, jobs, output) if jobs else 0
    failed = len(failures) + len(jobs) - done
    print(
        f"stylized {done} of {done + failed} input(s){f', {failed} failed' if failed else ''}",
        file=sys.stderr,
    )
    return 1 if failed or not done else 0
