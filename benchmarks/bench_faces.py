"""Benchmark of the face path on 1080p frames: extra seconds per frame for detection, landmarks, alignment,
the face model and blending, with detection on every frame (baseline) and with tracking (fast path).

Also compares the port's alignment render (PIL quad transform at 4096x4096, then Lanczos down to the output size)
with our single warp at the output size, and detection on the full frame with detection on a frame shrunk to
1280 px. The face model is a v2 generator with random weights (the released one cannot be downloaded here): it
is timed on its own, since its cost per face does not depend on tracking.

    python benchmarks/bench_faces.py [--frames 30] [--json out.json] [--device auto]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import PIL.Image
import torch
from report import emit_json

from animegan.faces.align import align_face, ffhq_quad
from animegan.faces.detect import FaceDetector
from animegan.faces.paste import FacePaster, PasteOptions
from animegan.inference.stylizer import Stylizer
from animegan.nets import Generator

VELOCITY = (3.1, 1.3)  # pixels per frame


def hd_frames(count: int) -> list[np.ndarray]:
    """1920x1080 frames: the astronaut photo at 1080x1080 (face ~190 px) on a reflected background, sliding."""
    from skimage import data

    face = cv2.resize(data.astronaut(), (1080, 1080), interpolation=cv2.INTER_CUBIC)
    canvas = cv2.copyMakeBorder(face, 0, 0, 420, 420, cv2.BORDER_REFLECT)
    frames = []
    for t in range(count):
        shift = np.float32([[1, 0, VELOCITY[0] * t], [0, 1, VELOCITY[1] * t]])
        frames.append(cv2.warpAffine(canvas, shift, (1920, 1080), borderMode=cv2.BORDER_REFLECT))
    return frames


def run_paster(frames: list[np.ndarray], video: bool, options: PasteOptions) -> dict[str, float]:
    """Mean seconds per frame and stage with an identity face model (its cost is measured separately)."""
    paster = FacePaster(
        lambda crop: crop,
        detector=FaceDetector("hog", 1, options.min_score, options.video_detect_max_side),
        video=video,
        options=options,
    )
    for frame in frames:
        _, notes = paster(frame, frame)
        if notes:
            raise RuntimeError(f"unexpected notes on a frame with a face: {notes}")
    return paster.timings.per_frame()


def seconds(fn, repeat: int) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def port_render(rgb: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
    """The port's final step: quad transform rendered at 4096x4096, then Lanczos down to ``size``."""
    quad, _ = ffhq_quad(landmarks)
    image = PIL.Image.fromarray(rgb).transform(
        (4096, 4096), PIL.Image.QUAD, (quad + 0.5).flatten(), PIL.Image.BILINEAR
    )
    return np.asarray(image.resize((size, size), PIL.Image.LANCZOS))


def direct_render(rgb: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
    """Our step: the same quad warped once at ``size`` (with the Gaussian pre-filter)."""
    return align_face(rgb, landmarks, size).crop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))

    frames = hd_frames(args.frames)
    options = PasteOptions(size=args.size)
    per_frame = run_paster(frames, video=False, options=options)
    tracked = run_paster(frames, video=True, options=options)

    detector = FaceDetector("hog", max_side=1280)
    full = FaceDetector("hog", max_side=None)
    detect_1280 = seconds(lambda: detector.detect(frames[0]), 3)
    detect_full = seconds(lambda: full.detect(frames[0]), 2)
    landmarks = detector(frames[0])[0].landmarks
    port = seconds(lambda: port_render(frames[0], landmarks, args.size), 3)
    direct = seconds(lambda: direct_render(frames[0], landmarks, args.size), 5)

    torch.manual_seed(0)
    model = Stylizer(Generator(), device=args.device, precision=args.precision)
    crop = align_face(frames[0], landmarks, args.size).crop
    model(crop)  # warm-up
    face_model = seconds(lambda: model(crop), 3)

    def extra(stages: dict[str, float]) -> float:
        return stages["total"] + face_model

    results = {
        "frame": "1920x1080, one face of ~190 px, moving",
        "frames": args.frames,
        "crop_size": args.size,
        "face_model_device": str(model.device),
        "face_model_s": face_model,
        "per_frame_detection_s": per_frame,
        "tracked_s": tracked,
        "extra_s_per_frame": {"detection_every_frame": extra(per_frame), "tracked": extra(tracked)},
        "extra_s_per_frame_without_face_model": {
            "detection_every_frame": per_frame["total"],
            "tracked": tracked["total"],
        },
        "speedup_tracked_vs_detection": per_frame["total"] / tracked["total"],
        "detect_s": {
            "full_1080p": detect_full,
            "shrunk_to_1280": detect_1280,
            "ratio": detect_full / detect_1280,
        },
        "align_render_s": {"port_4096": port, "single_warp": direct, "ratio": port / direct},
        "torch_threads": torch.get_num_threads(),
    }

    stages = ("detect", "track", "landmarks", "align", "face_model", "paste", "total")
    print(f"{'stage (s/frame)':<18}{'detect every frame':>20}{'tracked':>12}")
    for stage in stages:
        a, b = per_frame.get(stage, 0.0), tracked.get(stage, 0.0)
        if stage == "face_model":
            a = b = face_model
        print(f"{stage:<18}{a:>20.4f}{b:>12.4f}")
    print(f"{'extra per frame':<18}{extra(per_frame):>20.4f}{extra(tracked):>12.4f}")
    print(f"without face model: {results['speedup_tracked_vs_detection']:.1f}x faster with tracking")
    print(
        f"detection: full 1080p {detect_full:.3f} s, shrunk to 1280 {detect_1280:.3f} s ({detect_full / detect_1280:.1f}x)"
    )
    print(f"align render: port 4096 {port:.3f} s, single warp {direct:.4f} s ({port / direct:.0f}x)")
    print(
        f"face model ({model.device}, {args.precision}, {args.size}x{args.size}): {face_model:.3f} s per face"
    )
    emit_json(results, args.json)


if __name__ == "__main__":
    main()
