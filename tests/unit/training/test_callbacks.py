"""Sample grids, atomic checkpoint writes, generator exports."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from animegan.nets.generator import build_generator
from animegan.training.callbacks import AtomicCheckpointIO, export_generators, to_uint8_grid


def test_grid_puts_photos_over_their_stylizations() -> None:
    photo = torch.full((3, 3, 8, 8), -1.0)  # black
    fake = torch.full((3, 3, 8, 8), 1.0)  # white
    grid = to_uint8_grid(photo, fake)
    assert grid.dtype == torch.uint8 and grid.shape == (3, 2 * 8 + 3 * 2, 3 * 8 + 4 * 2)
    assert grid[:, 2:10, 2:10].eq(0).all()  # first row, first cell: the photo
    assert grid[:, 12:20, 2:10].eq(255).all()  # second row: its stylization


def test_checkpoint_write_is_atomic(tmp_path: Path) -> None:
    io = AtomicCheckpointIO()
    target = tmp_path / "last.ckpt"
    io.save_checkpoint({"state_dict": {"w": torch.ones(2)}}, target)
    old = target.read_bytes()

    class Boom:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        io.save_checkpoint({"state_dict": {"w": torch.zeros(2)}, "bad": Boom()}, target)
    assert target.read_bytes() == old  # the last good checkpoint is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]  # no temp file left
    assert torch.load(target, weights_only=True)["state_dict"]["w"].eq(1).all()


@pytest.mark.parametrize("arch", ["v2", "v3"])
def test_generator_export_draws_no_random_numbers(tmp_path: Path, arch: str) -> None:
    """Exports run at every checkpoint: a draw there would shift a resumed run's random numbers (the next
    stage's discriminator initialisation) against an uninterrupted run that never saved at that step."""

    class Module(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.generator = build_generator(arch)
            self.generator_ema = None

    module = Module()
    torch.manual_seed(0)
    before = torch.get_rng_state()
    written = export_generators(module, tmp_path / "generator.pt")  # type: ignore[arg-type]
    assert torch.equal(torch.get_rng_state(), before)
    saved = torch.load(written[0], map_location="cpu", weights_only=True)
    assert all(torch.equal(v, module.generator.state_dict()[k]) for k, v in saved.items())
