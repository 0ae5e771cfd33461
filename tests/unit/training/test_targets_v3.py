"""Online targets: L0 smoothing against an independent sparse-solver implementation and its properties, NL0 as
the reference builds it (RGB handed to OpenCV as BGR), SPf as skimage's label2rgb, pools agree with inline."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest
import scipy.fft
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch
from skimage import color, data, segmentation

from animegan.data.prepare.superpixels import SuperpixelSettings
from animegan.training import targets_v3 as online_targets
from animegan.training.targets_v3 import (
    L0Settings,
    NLMeansSettings,
    OnlineTargets,
    l0_smooth,
    nl0_image,
    superpixel_target,
    to_uint8_images,
)

HAYAO_NL = {"h": 5, "h_color": 6, "template": 5, "search": 7}
HAYAO_SP = {"scale": 5.0, "sigma": 0.8, "min_size": 50}  # the v3 Hayao preset's online superpixels
REFERENCE_L0 = {"lam": 0.005, "kappa": 2.0, "beta_max": 1e5}  # the v3 reference's L0 smoothing (Xu et al.)


def circular_difference(n: int) -> sp.csr_matrix:
    """Forward difference with wrap-around: (D x)[i] = x[i+1] - x[i], x[n] = x[0]."""
    eye = sp.identity(n, format="csr")
    return (sp.csr_matrix((np.ones(n), (np.arange(n), (np.arange(n) + 1) % n)), shape=(n, n)) - eye).tocsr()


def l0_slow(image: np.ndarray, lam: float = 0.005, kappa: float = 2.0, beta_max: float = 1e5) -> np.ndarray:
    """Xu et al.'s alternation with the S step solved as a sparse linear system (no FFT)."""
    h, w, c = image.shape
    dx = sp.kron(sp.identity(h), circular_difference(w)).tocsr()  # along W, row-major pixels
    dy = sp.kron(circular_difference(h), sp.identity(w)).tocsr()  # along H
    laplacian = (dx.T @ dx + dy.T @ dy).tocsc()
    s = image.reshape(h * w, c).astype(np.float64)
    i = s.copy()
    beta = 2 * lam
    while beta < beta_max:
        gh, gv = dx @ s, dy @ s
        flat = (gh**2 + gv**2).sum(axis=1) < lam / beta
        gh[flat], gv[flat] = 0, 0
        system = (sp.identity(h * w) + beta * laplacian).tocsc()
        s = spla.spsolve(system, i + beta * (dx.T @ gh + dy.T @ gv))
        beta *= kappa
    return s.reshape(h, w, c)


def test_l0_matches_a_sparse_solver_implementation() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((9, 12, 3))
    image[:, 6:] += 0.5  # an edge worth keeping
    np.testing.assert_allclose(l0_smooth(image, L0Settings(**REFERENCE_L0)), l0_slow(image), atol=1e-9)


def test_l0_runs_24_iterations_and_keeps_mean_and_flat_images(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    inverse = scipy.fft.irfft2
    monkeypatch.setattr(
        online_targets.scipy.fft, "irfft2", lambda *a, **k: calls.append(1) or inverse(*a, **k)
    )
    rng = np.random.default_rng(1)
    image = rng.random((16, 20, 3))
    smoothed = l0_smooth(image, L0Settings(lam=0.005, kappa=2.0, beta_max=1e5))
    assert len(calls) == 24  # beta = 0.01 * 2^n while < 1e5
    np.testing.assert_allclose(smoothed.mean(axis=(0, 1)), image.mean(axis=(0, 1)), atol=1e-12)
    flat = np.full((8, 8, 3), 0.4)
    np.testing.assert_allclose(l0_smooth(flat, L0Settings(**REFERENCE_L0)), flat, atol=1e-12)


def test_l0_flattens_noise_but_keeps_a_strong_edge() -> None:
    rng = np.random.default_rng(2)
    step = np.zeros((32, 32, 3))
    step[:, 16:] = 1.0
    noisy = step + rng.normal(0, 0.02, step.shape)
    smoothed = l0_smooth(noisy, L0Settings(**REFERENCE_L0))
    assert smoothed[:, 2:14].std() < 0.25 * noisy[:, 2:14].std()  # the flat halves are flattened
    assert smoothed[:, 18:30].mean() - smoothed[:, 2:14].mean() > 0.9  # the edge stays


def test_uint8_conversion_truncates_like_the_reference() -> None:
    x = torch.tensor([-1.0, -0.999, 0.0, 0.999, 1.0, 1.5]).view(1, 1, 1, 6).expand(1, 3, 1, 6)
    u = to_uint8_images(x)[0, 0, :, 0]
    expected = np.floor(np.clip((np.array([-1.0, -0.999, 0.0, 0.999, 1.0, 1.5]) + 1) * 127.5, 0, 255))
    np.testing.assert_array_equal(u, expected.astype(np.uint8))  # 0.999 -> 254, not 255


def test_nl0_is_nlmeans_on_rgb_as_if_bgr_then_l0() -> None:
    rgb = np.ascontiguousarray(data.astronaut()[::8, ::8])
    got = nl0_image(rgb, NLMeansSettings(**HAYAO_NL), L0Settings(**REFERENCE_L0))
    assert got.dtype == np.float32 and got.shape == rgb.shape and got.min() >= -1 and got.max() <= 1
    denoised = cv2.fastNlMeansDenoisingColored(rgb, None, 5, 6, 5, 7)  # the RGB array, read as BGR
    expected = np.clip(l0_slow(denoised / 255.0).astype(np.float32) * 2 - 1, -1, 1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    proper = cv2.fastNlMeansDenoisingColored(rgb[..., ::-1].copy(), None, 5, 6, 5, 7)[..., ::-1]
    assert np.abs(proper.astype(int) - denoised.astype(int)).max() > 0  # the channel order matters


def test_superpixel_target_is_label2rgb_avg_of_felzenszwalb() -> None:
    rgb = np.ascontiguousarray(data.coffee()[::6, ::6])
    for min_size in (50, 100):
        labels = segmentation.felzenszwalb(rgb, scale=5, sigma=0.8, min_size=min_size)
        expected = color.label2rgb(labels, rgb, bg_label=-1, kind="avg").astype(np.float32) / 127.5 - 1
        got = superpixel_target(rgb, SuperpixelSettings(5, 0.8, min_size))
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("backend", ["thread", "process"])
def test_pools_give_the_inline_results_from_the_right_inputs(backend: str) -> None:
    torch.manual_seed(0)
    filtered = torch.nn.functional.interpolate(torch.rand(3, 3, 6, 6) * 2 - 1, size=(24, 24), mode="bilinear")
    raw = torch.rand(3, 3, 24, 24) * 2 - 1
    settings = {"superpixel": HAYAO_SP, "nlmeans": HAYAO_NL, "l0": REFERENCE_L0}
    inline = OnlineTargets(**settings, workers=0, backend="thread").submit(filtered, raw)
    pool = OnlineTargets(**settings, workers=2, backend=backend)
    try:
        pending = pool.submit(filtered, raw)
        for name in OnlineTargets.NAMES:
            torch.testing.assert_close(pending.get(name), inline.get(name))
    finally:
        pool.close()
    raw_u8 = to_uint8_images(raw)
    expected_nl0 = nl0_image(raw_u8[1], NLMeansSettings(**HAYAO_NL), L0Settings(**REFERENCE_L0))
    np.testing.assert_array_equal(
        inline.get("fake_nl0")[1].permute(1, 2, 0).numpy(), expected_nl0
    )  # NL0 from Gs
    expected_sp = superpixel_target(to_uint8_images(filtered)[2], SuperpixelSettings(**HAYAO_SP))
    np.testing.assert_array_equal(
        inline.get("fake_superpixel")[2].permute(1, 2, 0).numpy(), expected_sp
    )  # SPf from Gs^
    assert inline.blocked_s > 0


def test_targets_pickle_without_their_pool_and_refuse_unknown_backends() -> None:
    targets = OnlineTargets(HAYAO_SP | {"min_size": 100}, HAYAO_NL, REFERENCE_L0, workers=1, backend="thread")
    targets.submit(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 16)).get("fake_nl0")
    copy = pickle.loads(pickle.dumps(targets))
    assert copy._executor is None and copy.settings == targets.settings
    targets.close()
    with pytest.raises(ValueError, match="unknown online-target backend"):
        OnlineTargets(HAYAO_SP, HAYAO_NL, REFERENCE_L0, workers=1, backend="gpu")
