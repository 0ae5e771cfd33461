"""val/kid_style during training (model.metrics): logged at validation and usable as the sweep objective; off by
default (no Inception is loaded)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from animegan.eval import inception
from animegan.eval.training_metric import StyleMetrics
from animegan.training.runner import stage_callbacks, train


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from animegan.data.demo.dataset import make_demo_dataset

    return make_demo_dataset(tmp_path_factory.mktemp("demo-data"), n_photos=6, n_style=6, n_val=3, size=48)


def tiny(data_dir: Path) -> list[str]:
    return [
        "experiment=demo",
        "debug=fdr",
        f"paths.data_dir={data_dir}",
        "data.image_size=32",
        "data.val_size=32",
        "data.batch_size=2",
        "data.val_count=3",
        "callbacks.progress_bar=null",
    ]


def test_off_by_default(cfg, data_dir: Path) -> None:
    composed = cfg(*tiny(data_dir))
    metrics = [c for c in stage_callbacks(composed, "pretrain") if isinstance(c, StyleMetrics)]
    assert len(metrics) == 1 and metrics[0].every_n_val == 0 and metrics[0].net is None


def test_kid_style_is_logged_and_is_the_objective(cfg, data_dir: Path, tmp_path: Path) -> None:
    weights = inception.write_random(tmp_path / "random_inception.pth")
    overrides = [
        "model.metrics.every_n_val=1",
        f"model.metrics.inception={weights}",
        "model.metrics.style_sample=6",
        "model.metrics.fid_min_images=2",  # fast_dev_run validates one batch of 2
    ]
    plain = train(cfg(*tiny(data_dir), *overrides))
    by_kid = train(cfg(*tiny(data_dir), *overrides, "objective.metric=val/kid_style"))
    by_fid = train(cfg(*tiny(data_dir), *overrides, "objective.metric=val/fid_style"))
    assert plain is not None and by_kid is not None and by_fid is not None
    assert math.isfinite(by_kid) and by_kid != plain
    assert by_fid > 0 and by_fid != by_kid
