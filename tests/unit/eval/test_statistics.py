"""FID and KID against independent NumPy/SciPy computations on fixed features."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from animegan.eval.statistics import fid, kid


def reference_fid(a: np.ndarray, b: np.ndarray) -> float:
    """Heusel et al.'s formula with SciPy's matrix square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def reference_mmd(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with the cubic polynomial kernel (x.y/d + 1)^3, written out with loops over pairs."""
    d, m, n = x.shape[1], len(x), len(y)

    def k(u: np.ndarray, v: np.ndarray) -> float:
        return (u @ v / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return float(xx + yy - 2 * xy)


@pytest.fixture
def features() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(16, 16))
    a = rng.normal(size=(64, 16)) @ mixing
    b = rng.normal(loc=0.7, size=(48, 16)) @ (mixing + 0.3 * rng.normal(size=(16, 16)))
    return a, b


def test_fid_matches_scipy(features) -> None:
    a, b = features
    expected = reference_fid(a, b)
    assert expected > 1.0
    assert fid(a, b) == pytest.approx(expected, rel=1e-6)


def test_fid_of_a_set_against_itself_is_zero(features) -> None:
    a, _ = features
    assert abs(fid(a, a)) < 1e-6 * reference_fid(*features)


def test_kid_on_whole_sets_matches_the_unbiased_cubic_mmd(features) -> None:
    a, b = features
    a, b = a[:20] / 4, b[:20] / 4
    score = kid(a, b, subset_size=20, subsets=3)  # every subset is the whole set, in another order
    assert score.mean == pytest.approx(reference_mmd(a, b), rel=1e-9)
    assert score.std == pytest.approx(0.0, abs=1e-9 * abs(score.mean))


def test_kid_over_subsets_is_the_mean_and_std_of_subset_mmds(features) -> None:
    a, b = features
    a, b = a / 4, b / 4
    score = kid(a, b, subset_size=10, subsets=5, seed=3)
    values = [kid(a, b, subset_size=10, subsets=1, seed=s).mean for s in range(8)]
    assert min(values) < score.mean < max(values)
    assert score.std > 0
    assert kid(a, a, subset_size=10, subsets=20).mean == pytest.approx(0.0, abs=3 * score.std)


def test_too_few_rows_are_refused(features) -> None:
    a, b = features
    with pytest.raises(ValueError, match="at least that many"):
        kid(a[:5], b, subset_size=10, subsets=2)
    with pytest.raises(ValueError, match="at least 2"):
        fid(a[:1], b)
