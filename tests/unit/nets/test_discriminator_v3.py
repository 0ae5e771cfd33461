"""AnimeGANv3 discriminators: 693,088 parameters, spectral norm on every kernel (buffers only), output H/8,
two of them with separate weights, pickling for ddp_spawn."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

from animegan.nets import DiscriminatorPair, DiscriminatorV3
from animegan.nets.lade import LADE

REFERENCE = {"ch": 32, "n_dis": 3, "use_spectral_norm": True}  # animegan-v3-reference.md section 2


def test_parameter_count_spectral_norm_and_output_size() -> None:
    d = DiscriminatorV3(**REFERENCE)
    assert sum(p.numel() for p in d.parameters() if p.requires_grad) == 693_088
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 14 and all(c.bias is None for c in convs)
    assert all(hasattr(c, "parametrizations") for c in convs)  # spectral norm on every kernel, LADE_D's too
    u_numbers = sum(b.numel() for name, b in d.named_buffers() if name.endswith("._u"))
    assert u_numbers == 1_377  # the u vectors of the power iteration, as the reference's non-trainable u
    assert sum(isinstance(m, LADE) for m in d.modules()) == 6
    with torch.no_grad():
        assert d(torch.rand(2, 3, 64, 64)).shape == (2, 1, 8, 8)
        assert d(torch.rand(1, 3, 72, 40)).shape == (1, 1, 9, 5)


@pytest.mark.slow
def test_output_is_h_over_8_at_the_reference_sizes() -> None:
    d = DiscriminatorV3(**REFERENCE)
    with torch.no_grad():
        assert d(torch.rand(1, 3, 256, 256)).shape == (1, 1, 32, 32)
        assert d(torch.rand(1, 3, 512, 512)).shape == (1, 1, 64, 64)


def test_pair_has_two_separate_discriminators_and_pickles() -> None:
    torch.manual_seed(0)
    pair = DiscriminatorPair(**REFERENCE, version="v3")
    assert list(pair) == ["support", "main"]
    support, main = pair["support"], pair["main"]
    assert not torch.equal(
        support.layers[0].conv.parametrizations.weight.original,
        main.layers[0].conv.parametrizations.weight.original,
    )
    assert sum(p.numel() for p in pair.parameters()) == 2 * 693_088
    pair["main"].requires_grad_(False)
    copied = pickle.loads(pickle.dumps(pair))
    torch.testing.assert_close(copied.state_dict(), pair.state_dict())
    assert [p.requires_grad for p in copied.parameters()] == [p.requires_grad for p in pair.parameters()]
    assert isinstance(copy.deepcopy(pair)["support"], DiscriminatorV3)
    with pytest.raises(ValueError, match="expects 'v3'"):
        DiscriminatorPair(**REFERENCE, version="v2")
