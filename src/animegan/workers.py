"""CPU worker pools for per-image OpenCV work (``animegan prepare``, AnimeGANv3's online targets): how many
workers, OpenCV on one thread in each, and a process pool that never forks a running parent."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import cv2


def default_workers(limit: int | None = None) -> int:
    """One worker per CPU core available to this process, at most ``limit`` (e.g. one per image of a batch)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores if limit is None else min(cores, limit))


def init_worker() -> None:
    """In each worker: OpenCV on one thread (one image per worker; its own threads would oversubscribe cores)."""
    cv2.setNumThreads(1)


@contextmanager
def single_threaded_opencv() -> Iterator[None]:
    """OpenCV on one thread while a pool's threads run (restored afterwards)."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def process_context(preload: str) -> multiprocessing.context.BaseContext:
    """Not "fork" (a forked child inherits OpenCV/OpenMP and CUDA state mid-way and can hang): a fork server that
    imports only the module ``preload`` (the jobs' own), so even a script without a ``__main__`` guard is safe;
    "spawn" where there is no fork server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """``workers`` processes (see :func:`process_context`), each with OpenCV on one thread."""
    return ProcessPoolExecutor(workers, mp_context=process_context(preload), initializer=init_worker)
