"""eval.json (every figure and the protocol) and eval.md (DTGAN Table 1's columns, one row per model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from animegan.atomic import atomic_write

COLUMNS = (  # (header, record key, format)
    ("FID to photo", "fid_photo", "{:.2f}"),
    ("KID to photo", "kid_photo", "{:.4f}"),
    ("FID to style", "fid_style", "{:.2f}"),
    ("KID to style", "kid_style", "{:.4f}"),
    ("Parameters (M)", "parameters", "{:.2f}"),
    ("Latency 256x256 (s)", "latency_256x256_s", "{:.3f}"),
    ("Latency 1920x1080 (s)", "latency_1920x1080_s", "{:.3f}"),
)


def cell(record: dict[str, Any], key: str, fmt: str) -> str:
    """One table cell: the formatted value (KID with its std), or '-' where there is none."""
    value = record.get(key)
    if value is None:
        return "-"
    if key == "parameters":
        return fmt.format(value / 1e6)
    text = fmt.format(value)
    std = record.get(f"{key}_std")
    return f"{text} ± {fmt.format(std)}" if std is not None else text


def markdown(document: dict[str, Any]) -> str:
    """The table of eval.md, with a protocol line under it."""
    protocol = document["protocol"]
    net = protocol["feature_network"]
    lines = [
        "| Model | " + " | ".join(header for header, _, _ in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for record in document["models"]:
        cells = [cell(record, key, fmt) for _, key, fmt in COLUMNS]
        lines.append(f"| {record['model']} | " + " | ".join(cells) + " |")
    kid = protocol["kid"]
    features = "standard FID Inception" if net["standard"] else "NON-STANDARD features (not comparable)"
    lines += [
        "",
        f"{protocol['photos']['count']} photos ({protocol['photos']['folder']}) and {protocol['style']['count']} "
        f"style images ({protocol['style']['folder']}) at {protocol['image_size']}x{protocol['image_size']}; "
        f"KID: mean ± std over {kid['subsets']} subsets of {kid['subset_size']}; features: {net['name']}, "
        f"{net['file']} (sha256 {net['sha256']}), {features}; device {protocol['device']}.",
    ]
    return "\n".join(lines) + "\n"


def write_reports(document: dict[str, Any], out: Path) -> list[Path]:
    """``out/eval.json`` and ``out/eval.md``, each written under a temporary name first."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        atomic_write(out / "eval.json", lambda p: p.write_text(json.dumps(document, indent=2) + "\n")),
        atomic_write(out / "eval.md", lambda p: p.write_text(markdown(document))),
    ]
