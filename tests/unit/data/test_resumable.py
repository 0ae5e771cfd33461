"""The resumable train loader: after load_state_dict it yields exactly the batches an uninterrupted epoch yields
after the saved position (compared with slices of a full pass), and a finished epoch resumes at the next one."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

from animegan.data.resumable import ResumableLoader, resumable_loaders
from animegan.data.sampling import UnpairedSampler


class Keys(Dataset):
    """Returns its key: the batches show which (photo, anime, seed) rows the sampler gave."""

    def __len__(self) -> int:
        return 10

    def __getitem__(self, key: tuple[int, int, int]) -> torch.Tensor:
        return torch.tensor(key)


def loader(seed: int = 3) -> ResumableLoader:
    return ResumableLoader(Keys(), batch_size=2, sampler=UnpairedSampler(10, 7, 2, seed=seed), drop_last=True)


def full_epoch(epoch: int) -> list[torch.Tensor]:
    reference = loader()
    reference.sampler.set_epoch(epoch)
    return list(reference)


def test_resumes_mid_epoch_at_the_next_batch() -> None:
    want = full_epoch(1)
    assert len(want) == 5
    resumed = loader()
    resumed.load_state_dict({"epoch": 1, "batches": 2})
    got = list(resumed)
    assert len(got) == 3 and all(torch.equal(a, b) for a, b in zip(got, want[2:], strict=True))
    again = list(resumed)  # the skip applies once: the next pass over the epoch is whole
    assert len(again) == 5


def test_a_finished_epoch_resumes_at_the_start_of_the_next() -> None:
    resumed = loader()
    resumed.load_state_dict({"epoch": 0, "batches": 5})
    assert resumed.sampler.epoch == 1
    assert all(torch.equal(a, b) for a, b in zip(list(resumed), full_epoch(1), strict=True))


def test_state_dict_is_the_marked_position() -> None:
    resumable = loader()
    resumable.mark(2, 4)
    assert resumable.state_dict() == {"epoch": 2, "batches": 4}
    assert resumable_loaders([resumable, object()]) == [resumable]
