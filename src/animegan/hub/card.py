"""A run's model card (``README.md`` of its Hub folder): the Hub's metadata block, then provenance, figures,
licence and how to use it. The metadata is written by ``huggingface_hub.ModelCardData``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from animegan.hub.provenance import ImageSet, Provenance

LIBRARY = "animegan"
PIPELINE = "image-to-image"
BASE_TAGS = ("animegan", "style-transfer", "anime", "image-to-image", "pytorch", "safetensors")
WEIGHTS_FILE = "model.safetensors"
SAMPLE_FILE = "sample.png"
REPO_PLACEHOLDER = "OWNER/REPO"  # the usage lines' repo until `animegan push` names it


def metadata_block(
    licence_id: str,
    tags: list[str],
    base_model: str | None = None,
    licence_name: str | None = None,
    licence_link: str | None = None,
) -> str:
    """The ``---``-fenced YAML block the Hub reads (licence, library, pipeline, tags, base model, weights file)."""
    from huggingface_hub import ModelCardData  # deferred: only cards need huggingface_hub

    extra: dict[str, Any] = {"weights": WEIGHTS_FILE}  # which file `--weights hf://OWNER/REPO` loads
    if licence_name:
        extra |= {"license_name": licence_name, "license_link": licence_link}
    data = ModelCardData(
        license=licence_id,
        library_name=LIBRARY,
        pipeline_tag=PIPELINE,
        tags=tags,
        base_model=base_model,
        **extra,
    )
    return f"---\n{data.to_yaml()}\n---\n"


def _set_line(label: str, images: ImageSet) -> str:
    count = f"{images.count} images" if images.count is not None else "count not recorded"
    digest = (
        f"content sha256 `{images.sha256}`" if images.sha256 else "content sha256 not recorded (run prepare)"
    )
    sources = f"; downloaded from {', '.join(images.sources)}" if images.sources else ""
    return f"- {label}: **{images.name}**, {count}, {digest}{sources}"


def _figures(figures: dict[str, Any]) -> str:
    if not figures:
        return "No validation figures were recorded."
    rows = "\n".join(f"| {key} | {value} |" for key, value in figures.items())
    return f"| figure | value |\n|---|---|\n{rows}"


def _evaluation(document: dict[str, Any] | None) -> str:
    if not document:
        return (
            "Not evaluated yet: `animegan eval --weights RUN/generator.pt ... -o RUN` adds FID and KID here."
        )
    keys = ("label", "fid", "kid_mean", "kid_std", "latency_ms")
    rows = [
        "| " + " | ".join(str(record.get(k, "")) for k in keys) + " |"
        for record in document.get("models", [])
        if isinstance(record, dict)
    ]
    protocol = json.dumps(document.get("protocol", {}), sort_keys=True)
    table = f"| {' | '.join(keys)} |\n|{'---|' * len(keys)}\n" + "\n".join(rows)
    return f"{table}\n\nProtocol: `{protocol}`"


def usage(repo: str) -> str:
    """How to use the weights: the CLI, Python and the web UI."""
    return f"""```bash
pip install animegan
animegan stylize photo.jpg -o photo_anime.png --weights hf://{repo}
animegan stylize clip.mp4 -o clip_anime.mp4 --weights hf://{repo}
animegan ui --weights hf://{repo}
```

```python
from animegan.inference.stylizer import Stylizer

stylizer = Stylizer.from_weights("hf://{repo}")
```

`{WEIGHTS_FILE}` is a plain safetensors state dict; its metadata (`animegan.*`) records the generator config."""


def run_card(prov: Provenance, title: str, repo: str = REPO_PLACEHOLDER) -> str:
    """The full model card of a trained run."""
    lic = prov.licence
    arch = str(prov.generator_config.get("arch", "v2"))
    tags = [*BASE_TAGS, f"animegan-{arch}", f"style-{prov.style.name.lower()}"]
    if not lic.commercial:
        tags.append("non-commercial" if lic.hub_id == "other" else "licence-unknown")
    head = metadata_block(lic.hub_id, tags, prov.base_model, lic.name, lic.link)
    generator = ", ".join(f"{k}={v}" for k, v in prov.generator_config.items())
    reasons = "\n".join(f"- {reason}" for reason in lic.reasons)
    config = yaml.safe_dump(prov.training_config, sort_keys=False, default_flow_style=False)
    config = config.replace(str(Path.home()), "~")  # the card is published: no home folder names
    init = f"\n- started from: `{prov.init}`" if prov.init else ""
    return f"""{head}
# {title}

An AnimeGAN {arch} generator ({generator}) trained with the `animegan` package (a PyTorch Lightning
re-implementation of [AnimeGAN](https://github.com/TachibanaYoshino/AnimeGANv2)): it turns photos into the
**{prov.style.name}** style.

![photos (top) and their stylizations (bottom)]({SAMPLE_FILE})

## Licence

**{lic.text}**

{reasons}

## Training data and provenance

{_set_line("style set", prov.style)}
{_set_line("photo set", prov.photos)}
- VGG19 of the perceptual loss: {prov.vgg}{init}

The content sha256 is that of the set's `sha256sum` manifest (`sha256sum $(ls) | sha256sum` in the folder),
as `animegan prepare` records it in `dataset.json`.

## Validation (last recorded)

{_figures(prov.validation)}

## Evaluation (`animegan eval`)

{_evaluation(prov.evaluation)}

## How to use

{usage(repo)}

## Full training config

<details><summary>config (resolved)</summary>

```yaml
{config.rstrip()}
```

</details>
"""
