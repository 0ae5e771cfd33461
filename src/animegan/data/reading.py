"""Reading training images by index when files can vanish mid-run: a lost or unreadable file is named on stderr
and the next readable one takes its place (``on_bad_file="skip"``), or the run stops with one line (``"stop"``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from animegan.errors import InputError

T = TypeVar("T")
POLICIES = ("skip", "stop")


class BadDataFile(InputError):
    """A data file could not be read (stop policy, or nothing readable left); the message is one line.

    Raised in a DataLoader worker it comes back as ``BadDataFile("Caught ... Original Traceback ...")``: only
    the original message, the last line of that text, is kept.
    """

    def __init__(self, message: str) -> None:
        if "Original Traceback" in message:
            last = message.strip().splitlines()[-1]
            message = last.split(": ", 1)[1] if last.startswith(f"{__name__}.BadDataFile: ") else last
        super().__init__(message)


class SkippingReader:
    """``read(domain, index, count, load)``: ``load(i)`` from ``index`` on, past bad files (remembered per domain)."""

    def __init__(self, on_bad_file: str = "skip") -> None:
        if on_bad_file not in POLICIES:
            raise InputError(f"data.on_bad_file={on_bad_file!r}: expected one of {', '.join(POLICIES)}")
        self.on_bad_file = on_bad_file
        self.bad: dict[str, set[int]] = {}

    def read(self, domain: str, index: int, count: int, load: Callable[[int], T]) -> T:
        bad = self.bad.setdefault(domain, set())
        for offset in range(count):
            i = (index + offset) % count
            if i in bad:
                continue
            try:
                return load(i)
            except InputError as error:
                if self.on_bad_file == "stop":
                    raise BadDataFile(
                        f"{error}; training stopped (data.on_bad_file=stop; =skip trains on without it)"
                    ) from None
                bad.add(i)
                print(f"animegan-train: skipped {error} (data.on_bad_file=skip)", file=sys.stderr, flush=True)
        raise BadDataFile(f"no readable {domain} image left ({count} tried); check the dataset folder")
