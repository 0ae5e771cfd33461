"""--precision auto's order from a measured timing table (a fake one here): fastest path keeping 35 dB wins."""

from __future__ import annotations

import pytest
import torch

from animegan.inference.runtimes import precision
from animegan.inference.runtimes.precision import ExecutionPath, choose_path, fastest_first

FP16, BF16, FP32 = ExecutionPath("fp16", True), ExecutionPath("bf16", True), ExecutionPath("fp32", False)
CUDA = torch.device("cuda")


def test_cuda_candidates_in_the_documented_order_without_a_table() -> None:
    assert precision.candidate_paths(CUDA) == [FP16, BF16, FP32]
    assert fastest_first([FP16, BF16, FP32], None) == [FP16, BF16, FP32]


def test_a_timing_table_reorders_the_fast_paths_but_fp32_stays_the_fallback() -> None:
    table = {str(BF16): 0.010, str(FP16): 0.012, str(FP32): 0.001}
    assert fastest_first([FP16, BF16, FP32], table) == [BF16, FP16, FP32]
    assert fastest_first([FP16, BF16, FP32], {str(BF16): 0.01}) == [BF16, FP16, FP32]


@pytest.mark.parametrize(
    ("table", "db", "expected"),
    [
        ({"fp16 channels_last": 0.02, "bf16 channels_last": 0.01}, {"fp16": 50.0, "bf16": 40.0}, BF16),
        ({"fp16 channels_last": 0.02, "bf16 channels_last": 0.01}, {"fp16": 50.0, "bf16": 30.0}, FP16),
        ({"fp16 channels_last": 0.01, "bf16 channels_last": 0.02}, {"fp16": 20.0, "bf16": 34.9}, FP32),
        (None, {"fp16": 36.0, "bf16": 50.0}, FP16),
    ],
)
def test_auto_picks_the_fastest_path_that_keeps_35_db(monkeypatch, table, db, expected) -> None:
    monkeypatch.setattr(precision, "calibrated_psnr", lambda generator, path, device: db[path.precision])
    assert choose_path(torch.nn.Identity(), CUDA, "auto", seconds=table) == expected
