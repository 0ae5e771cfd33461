"""The CSV logger of resumed runs keeps the rows before the resumed step and drops those at or after it."""

from __future__ import annotations

import csv
from pathlib import Path

from animegan.training.csv_log import ResumableCSVLogger


def steps(path: Path) -> list[int]:
    with path.open(newline="") as file:
        return [int(row["step"]) for row in csv.DictReader(file)]


def test_a_second_logger_continues_the_file_and_drops_repeated_steps(tmp_path: Path) -> None:
    first = ResumableCSVLogger(tmp_path, name="csv", version="")
    for step in range(6):
        first.log_metrics({"loss": float(step)}, step=step)
    first.save()
    metrics = Path(first.log_dir) / "metrics.csv"
    assert steps(metrics) == list(range(6))

    second = ResumableCSVLogger(tmp_path, name="csv", version="")  # a resumed run, checkpoint at step 4
    second.drop_from(4)
    for step in range(4, 8):
        second.log_metrics({"loss": float(step), "new": 1.0}, step=step)
    second.save()
    assert steps(metrics) == list(range(8))
    with metrics.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [float(r["loss"]) for r in rows] == [float(s) for s in range(8)]
    assert rows[0]["new"] == "" and rows[-1]["new"] == "1.0"
