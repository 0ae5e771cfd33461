"""Training phases as data: which network each stage's phases train, with which loss and learning rate."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from animegan.training.phases import stage_phases, trains_discriminator
from animegan.weights.vgg import load_vgg


@pytest.fixture
def parts(cfg):
    """(generator, criterion with a discriminator, model.optim) as the module builds them from the config."""
    model = cfg("model.vgg.weights=random", "model.discriminator.ch=16", "model.discriminator.n_dis=2").model
    criterion = instantiate(model.loss)(
        vgg=load_vgg("random"), discriminator=instantiate(model.discriminator)()
    )
    return instantiate(model.generator), criterion, model.optim


def test_phases_are_data(parts) -> None:
    generator, criterion, optim = parts
    (pretrain,) = stage_phases("pretrain", generator, criterion, optim)
    assert (pretrain.name, pretrain.network, pretrain.loss, pretrain.lr) == (
        "g",
        generator,
        criterion.pretrain,
        optim.init_lr,
    )
    d, g = stage_phases("adversarial", generator, criterion, optim)
    assert [(p.name, p.network, p.lr) for p in (d, g)] == [
        ("d", criterion.discriminator, optim.d_lr),
        ("g", generator, optim.g_lr),
    ]
    assert (d.loss, g.loss) == (criterion.discriminator_loss, criterion.generator_loss)
    with pytest.raises(ValueError, match="unknown training stage"):
        stage_phases("finetune", generator, criterion, optim)


def test_only_the_adversarial_stage_trains_a_discriminator() -> None:
    assert trains_discriminator("adversarial") and not trains_discriminator("pretrain")
    with pytest.raises(
        ValueError, match="unknown training stage 'finetune'; expected one of pretrain, adversarial"
    ):
        trains_discriminator("finetune")
