"""uint8 <-> [-1, 1]: against the formulas written out in float64, the round trip, rounding, truncation, clipping."""

from __future__ import annotations

import numpy as np
import torch

from animegan.pixel_scale import to_byte, to_unit


def test_to_unit_is_x_over_127_5_minus_1_for_every_value():
    values = np.arange(256)
    unit = to_unit(torch.from_numpy(values.astype(np.uint8)))
    assert unit.dtype == torch.float32 and unit[0] == -1 and unit[-1] == 1
    assert np.allclose(unit.numpy(), values / 127.5 - 1, rtol=0, atol=1e-7)


def test_every_byte_survives_the_round_trip_in_any_layout():
    values = torch.arange(256, dtype=torch.uint8).reshape(4, 8, 8).permute(1, 2, 0)  # not contiguous
    assert torch.equal(to_byte(to_unit(values)), values)


def test_to_byte_rounds_half_to_even_or_truncates_and_clips():
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0, (10.5 / 127.5) - 1, (11.5 / 127.5) - 1, (11.75 / 127.5) - 1])
    rounded = [round(v) for v in np.clip((x.double().numpy() + 1) * 127.5, 0, 255)]  # Python: half to even
    assert to_byte(x).tolist() == rounded
    assert to_byte(x, rounded=False).tolist() == [0, 0, 127, 255, 255, 10, 11, 11]
    assert not to_byte(torch.zeros(2, requires_grad=True)).requires_grad


def test_numpy_arrays_get_the_same_bits_as_tensors():
    rng = np.random.default_rng(0)
    floats = np.concatenate([rng.uniform(-1.2, 1.2, 5000), (np.arange(256) + 0.5) / 127.5 - 1]).astype(
        np.float32
    )
    for rounded in (True, False):
        expected = to_byte(torch.from_numpy(floats), rounded).numpy()
        assert np.array_equal(to_byte(floats, rounded), expected)
    values = rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)
    unit = to_unit(values)
    assert unit.dtype == np.float32 and np.array_equal(unit, to_unit(torch.from_numpy(values)).numpy())
    assert values.dtype == np.uint8  # the input is left as it was
