"""SkippingReader: past bad files to the next good one (each named once), stop with one line, worker boundary."""

from __future__ import annotations

import pytest
from torch.utils.data import DataLoader, Dataset

from animegan.data.reading import BadDataFile, SkippingReader
from animegan.errors import InputError


def loader_of(bad: set[int], calls: list[int]):
    def load(i: int) -> int:
        calls.append(i)
        if i in bad:
            raise InputError(f"file{i}.png: file not found")
        return i * 10

    return load


def test_skip_takes_the_next_readable_index_and_names_each_bad_file_once(capsys) -> None:
    reader, calls = SkippingReader("skip"), []
    load = loader_of({1, 2}, calls)
    assert reader.read("photo", 1, 4, load) == 30
    assert reader.read("photo", 2, 4, load) == 30  # 2 is remembered: not tried again
    assert reader.read("photo", 3, 4, load) == 30 and reader.read("anime", 3, 4, lambda i: i) == 3
    assert calls == [1, 2, 3, 3, 3]
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"animegan-train: skipped file{i}.png: file not found (data.on_bad_file=skip)" for i in (1, 2)
    ]
    with pytest.raises(BadDataFile, match=r"no readable photo image left \(4 tried\)"):
        SkippingReader("skip").read("photo", 0, 4, loader_of({0, 1, 2, 3}, []))


def test_stop_raises_one_line_and_a_bad_policy_is_refused() -> None:
    with pytest.raises(
        BadDataFile, match=r"^file0.png: file not found; training stopped \(data.on_bad_file=stop"
    ):
        SkippingReader("stop").read("photo", 0, 2, loader_of({0}, []))
    with pytest.raises(InputError, match="data.on_bad_file='ignore': expected one of skip, stop"):
        SkippingReader("ignore")


class AlwaysBad(Dataset):
    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> int:
        return SkippingReader("stop").read("photo", index, 1, loader_of({0}, []))


def test_raised_in_a_dataloader_worker_it_keeps_its_one_line() -> None:
    with pytest.raises(BadDataFile) as error:
        next(iter(DataLoader(AlwaysBad(), num_workers=1)))
    assert str(error.value).startswith("file0.png: file not found; training stopped")
    assert "\n" not in str(error.value)
