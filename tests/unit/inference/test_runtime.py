"""OpenVINO runtime: the default CPU path's parity with fp32, exact padding/cropping, when it is built, fallbacks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from helpers.stylize_reference import reference_stylize

from animegan.errors import AnimeGANError
from animegan.inference.export import onnx_bytes
from animegan.inference.options import OPENVINO_BREAK_EVEN_PIXELS, OPENVINO_MIN_IMAGE_PIXELS
from animegan.inference.runtimes import openvino_runtime
from animegan.inference.runtimes.cache import RuntimeCache
from animegan.inference.runtimes.execution_plan import (
    RUNTIME_ENV,
)
from animegan.inference.runtimes.precision import psnr
from animegan.inference.stylizer import Stylizer
from animegan.nets import GeneratorV1, GeneratorV2


@pytest.fixture(scope="module")
def generator() -> GeneratorV2:
    torch.manual_seed(7)
    return GeneratorV2().eval()


@pytest.mark.slow
def test_default_path_on_a_large_real_photo_is_openvino_within_35_db_of_fp32(generator, astronaut):
    photo = cv2.resize(astronaut, (800, 640), interpolation=cv2.INTER_AREA)  # past OPENVINO_MIN_IMAGE_PIXELS
    stylizer = Stylizer(generator, device="cpu")  # the CLI's defaults: precision auto, runtime auto
    for _ in range(-(-OPENVINO_BREAK_EVEN_PIXELS // photo[..., 0].size)):
        stylizer(photo)
    out = stylizer(photo)  # the photos before this one reached the break-even point
    assert stylizer.describe().startswith("openvino")
    assert psnr(out, reference_stylize(generator, photo)) >= 35.0


@pytest.mark.parametrize("shape", [(37, 53), (30, 101), (17, 18), (203, 301)])
def test_openvino_pads_and_crops_exactly_at_odd_sizes(generator, rng, shape):
    stylizer = Stylizer(generator, device="cpu", precision="fp32", runtime="openvino")
    rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    out = stylizer(rgb)
    assert stylizer.describe() == "openvino fp32"
    assert out.shape == rgb.shape
    assert np.abs(out.astype(int) - reference_stylize(generator, rgb).astype(int)).max() <= 1


def test_batches_of_frames_equal_single_images(generator, rng):
    stylizer = Stylizer(generator, device="cpu", precision="fp32", runtime="openvino")
    frames = [rng.integers(0, 256, (40, 44, 3), dtype=np.uint8) for _ in range(3)]
    for frame, out in zip(frames, stylizer.stylize_batch(frames), strict=True):
        assert np.abs(out.astype(int) - reference_stylize(generator, frame).astype(int)).max() <= 1


@pytest.mark.slow
def test_v1_runs_on_openvino_too(rng):
    torch.manual_seed(1)
    v1 = GeneratorV1().eval()
    stylizer = Stylizer(v1, device="cpu", precision="fp32", runtime="openvino")
    rgb = rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)
    assert np.abs(stylizer(rgb).astype(int) - reference_stylize(v1, rgb).astype(int)).max() <= 1
    assert stylizer.describe() == "openvino fp32"


@pytest.mark.slow
def test_small_images_stay_on_pytorch_and_large_ones_switch_once_it_pays(generator, rng):
    stylizer = Stylizer(generator, device="cpu")
    side = 128
    small = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    for _ in range(2 * -(-OPENVINO_BREAK_EVEN_PIXELS // (side * side))):
        stylizer(small)  # twice the break-even point in small images: PyTorch is the faster one for them
    assert stylizer.describe().startswith("torch") and not stylizer.runtime.built
    large = rng.integers(0, 256, (720, 720, 3), dtype=np.uint8)
    assert large[..., 0].size >= OPENVINO_MIN_IMAGE_PIXELS
    stylizer(large)  # the first large one: the large inputs before it have not reached the break-even point
    assert not stylizer.runtime.built
    stylizer(large)
    assert stylizer.describe().startswith("openvino")
    small_batch = torch.zeros(1, 3, side, side)
    assert stylizer.runtime.for_input(small_batch) is None  # small ones still run on PyTorch


@pytest.mark.slow
def test_a_single_photo_of_any_size_runs_on_pytorch(generator, rng):
    """End to end, one photo does not pay for OpenVINO's build and first call (bench_stylize.py)."""
    stylizer = Stylizer(generator, device="cpu")
    large = rng.integers(0, 256, (480, 2 * OPENVINO_BREAK_EVEN_PIXELS // 480, 3), dtype=np.uint8)
    stylizer(large)  # twice the break-even point in one input
    assert stylizer.describe().startswith("torch") and not stylizer.runtime.built


@pytest.mark.slow
def test_torch_runtime_and_the_environment_variable_keep_pytorch(generator, astronaut, monkeypatch):
    assert Stylizer(generator, device="cpu", runtime="torch")(astronaut) is not None
    stylizer = Stylizer(generator, device="cpu", runtime="torch")
    stylizer(astronaut)
    assert stylizer.describe().startswith("torch") and not stylizer.runtime.built
    monkeypatch.setenv(RUNTIME_ENV, "torch")
    stylizer = Stylizer(generator, device="cpu")
    stylizer(astronaut)
    assert stylizer.describe().startswith("torch")


def test_unknown_runtime_is_one_line(generator, monkeypatch):
    with pytest.raises(AnimeGANError, match="unknown runtime 'tpu'"):
        Stylizer(generator, device="cpu", runtime="tpu")
    monkeypatch.setenv(RUNTIME_ENV, "fast")
    with pytest.raises(AnimeGANError, match="unknown runtime 'fast'"):
        Stylizer(generator, device="cpu")


class SizeDependent(GeneratorV2):
    """A generator with a size-dependent branch: traced at one size, its export is wrong at others."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = super().forward(x)
        return -out if x.shape[-2] == 64 else out  # the export's example is 64 rows high


@pytest.mark.slow
def test_an_export_that_disagrees_with_pytorch_is_not_used(rng):
    torch.manual_seed(2)
    generator = SizeDependent().eval()
    assert openvino_runtime.build(generator, "auto") is None
    stylizer = Stylizer(generator, device="cpu", precision="fp32", runtime="openvino")
    rgb = rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)
    out = stylizer(rgb)
    assert stylizer.runtime.built and stylizer.describe().startswith("torch")
    assert np.abs(out.astype(int) - reference_stylize(generator, rgb).astype(int)).max() <= 1


def test_a_generator_that_cannot_be_exported_falls_back_without_error(rng):
    class NotExportable(GeneratorV2):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = super().forward(x)
            return out + 0 * torch.histc(out, 4).sum()  # histc has no ONNX form: the export fails

    torch.manual_seed(2)
    stylizer = Stylizer(NotExportable().eval(), device="cpu", runtime="openvino")
    assert stylizer(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).shape == (20, 24, 3)
    assert stylizer.describe().startswith("torch")


def test_the_callers_generator_keeps_fp32_weights(generator):
    Stylizer(generator, device="cpu", precision="bf16")
    assert all(p.dtype == torch.float32 for p in generator.parameters())


# ---- the runtime cache ---------------------------------------------------------------------------------------
def test_a_cached_export_is_reused(generator, tmp_path, monkeypatch):
    cache = RuntimeCache(tmp_path / "runtime")
    assert openvino_runtime.build(generator, "fp32", cache) is not None
    assert len(list(cache.folder.glob("*.onnx"))) == 1

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although cached")

    monkeypatch.setattr("animegan.inference.export.onnx_bytes", no_export)
    assert openvino_runtime.build(generator, "fp32", cache) is not None


@pytest.mark.slow
def test_a_corrupt_or_wrong_entry_is_rebuilt(generator, tmp_path):
    cache = RuntimeCache(tmp_path / "runtime")
    openvino_runtime.build(generator, "fp32", cache)
    (entry,) = cache.folder.glob("*.onnx")
    good = entry.read_bytes()
    entry.write_bytes(b"not an onnx model")
    assert openvino_runtime.build(generator, "fp32", cache) is not None
    assert entry.read_bytes() == good
    torch.manual_seed(9)
    entry.write_bytes(onnx_bytes(GeneratorV2()))  # a valid model, of other weights
    assert openvino_runtime.build(generator, "fp32", cache) is not None
    assert entry.read_bytes() == good


def test_other_weights_or_versions_get_other_keys(generator, monkeypatch):
    from animegan.inference.runtimes.cache import weights_key

    versions = {"torch": "2.0", "openvino": "1.0", "animegan": "0.1"}
    torch.manual_seed(8)
    other = GeneratorV2()
    assert weights_key(generator, versions) != weights_key(other, versions)
    assert weights_key(generator, versions) != weights_key(generator, {**versions, "torch": "2.1"})
    same = GeneratorV2()
    same.load_state_dict(generator.state_dict())
    assert weights_key(same.to(memory_format=torch.channels_last), versions) == weights_key(
        generator, versions
    )


def test_an_unwritable_or_disabled_cache_is_no_error(generator, tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("the cache folder cannot be made under a file (root ignores permission bits)")
    cache = RuntimeCache(blocker / "runtime")
    assert openvino_runtime.build(generator, "fp32", cache) is not None
    assert cache.load("anything") is None
    monkeypatch.setenv("ANIMEGAN_RUNTIME_CACHE", "0")
    cache = RuntimeCache(tmp_path / "off")
    assert openvino_runtime.build(generator, "fp32", cache) is not None
    assert not cache.folder.exists()


def test_fp32_references_are_computed_before_any_openvino_inference(rng):
    """OpenVINO's worker threads spin after an inference and slow PyTorch's threads several-fold: the build's
    PyTorch fp32 check outputs must all come first."""
    torch.manual_seed(3)
    generator = GeneratorV2().eval()
    events: list[str] = []
    generator.register_forward_hook(lambda module, args, out: events.append("torch"))
    real_call = openvino_runtime.OpenVinoGenerator.__call__

    def recorded(self, x):
        events.append("openvino")
        return real_call(self, x)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openvino_runtime.OpenVinoGenerator, "__call__", recorded)
        assert openvino_runtime.build(generator, "fp32") is not None
    first_openvino = events.index("openvino")
    assert events[first_openvino:] == ["openvino"] * len(openvino_runtime.check_images())  # the checks
    assert events[:first_openvino].count("torch") >= len(
        openvino_runtime.check_images()
    )  # (+ the export's trace)


def test_build_checks_are_two_small_sizes_one_not_square():
    """A single photo waits for the build's checks: two sizes (the export's dynamic height and width), small."""
    shapes = [tuple(image.shape) for image in openvino_runtime.check_images()]
    assert len(set(shapes)) == 2 and any(h != w for _, _, h, w in shapes)
    assert all(h * w <= 64 * 64 and h % 4 == 0 == w % 4 for _, _, h, w in shapes)
