"""A CSV logger that a resumed run continues: each training step is one row, none repeated, none missing.

Lightning's ``CSVLogger`` deletes ``metrics.csv`` when it starts, so a resumed run would lose the rows of the
steps before its checkpoint. This one keeps them, and each stage start (``RunState.on_train_start``) drops the
rows at or after the step the run continues from: those a run killed (SIGKILL) after its last checkpoint had
logged, which the resumed run logs again.
"""

from __future__ import annotations

import csv
from typing import Any

from lightning_fabric.loggers.logger import rank_zero_experiment
from pytorch_lightning.loggers import CSVLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter

from animegan.atomic import atomic_path


class KeepingWriter(ExperimentWriter):
    """Lightning's CSV writer, but an existing ``metrics.csv`` is continued instead of deleted."""

    def _check_log_dir_exists(self) -> None:
        if self._fs.isfile(self.metrics_file_path):
            with self._fs.open(self.metrics_file_path, "r", newline="") as file:
                self.metrics_keys = sorted(csv.DictReader(file).fieldnames or [])

    def drop_from(self, step: int) -> None:
        """Remove the saved and pending rows logged at ``step`` or later."""
        self.metrics = [row for row in self.metrics if int(row.get("step", 0)) < step]
        if not self._fs.isfile(self.metrics_file_path):
            return
        with self._fs.open(self.metrics_file_path, "r", newline="") as file:
            reader = csv.DictReader(file)
            fields, rows = reader.fieldnames or [], list(reader)
        kept = [row for row in rows if int(float(row.get("step") or 0)) < step]
        if len(kept) == len(rows):
            return
        with atomic_path(self.metrics_file_path) as tmp, open(tmp, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields)
            writer.writeheader()
            writer.writerows(kept)


class ResumableCSVLogger(CSVLogger):
    """``CSVLogger`` writing through ``KeepingWriter``; ``drop_from(step)`` forgets the rows from ``step`` on."""

    @property
    @rank_zero_experiment  # as Lightning's: other ranks get a no-op writer and create no folder
    def experiment(self) -> Any:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = KeepingWriter(log_dir=self.log_dir)
        return self._experiment

    def drop_from(self, step: int) -> None:
        """Forget the rows at ``step`` or later (rank zero writes the file)."""
        if self._experiment is not None or self._fs.isfile(
            f"{self.log_dir}/{KeepingWriter.NAME_METRICS_FILE}"
        ):
            self.experiment.drop_from(step)
