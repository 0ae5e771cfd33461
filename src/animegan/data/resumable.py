"""A training loader whose position inside the epoch goes into checkpoints, so a resumed run sees the same batches.

Lightning saves ``state_dict()`` of every train loader that has one (``fit_loop``'s ``combined_loader`` entry of
the checkpoint) and hands it back to ``load_state_dict()`` when it resumes. The position is the number of batches
the training loop has *consumed* in the epoch (Lightning's data fetcher reads one batch ahead, so counting what
the loader yields would be one too many): ``training.run_state.RunState`` marks it after each training batch.
Resuming does not read and drop the consumed batches: the sampler (``UnpairedSampler``, whose epoch order is a
function of seed and epoch) starts the epoch at the saved batch.
"""

from __future__ import annotations

from typing import Any

from torch.utils.data import DataLoader


class ResumableLoader(DataLoader):
    """A ``DataLoader`` over a sampler with ``set_epoch`` and ``resume_at`` that saves and restores its position."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.position = {"epoch": 0, "batches": 0}

    def mark(self, epoch: int, batches: int) -> None:
        """The training loop has consumed ``batches`` batches of epoch ``epoch``."""
        self.position = {"epoch": int(epoch), "batches": int(batches)}

    def state_dict(self) -> dict[str, int]:
        """What Lightning stores in checkpoints: the epoch and the batches consumed in it."""
        return dict(self.position)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue after ``state``: mid-epoch at the next batch, or at the start of the next epoch."""
        epoch, batches = int(state["epoch"]), int(state["batches"])
        if batches >= len(self):
            epoch, batches = epoch + 1, 0
        self.position = {"epoch": epoch, "batches": batches}
        self.sampler.set_epoch(epoch)
        self.sampler.resume_at(epoch, batches * int(self.batch_size or 1))


def resumable_loaders(loaders: Any) -> list[ResumableLoader]:
    """The ``ResumableLoader``s among ``loaders`` (a loader, a list, or Lightning's ``CombinedLoader``)."""
    flat = getattr(loaders, "flattened", loaders)
    flat = flat if isinstance(flat, (list, tuple)) else [flat]
    return [loader for loader in flat if isinstance(loader, ResumableLoader)]
