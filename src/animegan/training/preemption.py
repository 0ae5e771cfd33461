"""Preemption: SIGTERM, SIGINT or SIGUSR1 stop a training run at the step it has reached, with a checkpoint.

Lightning already stops on SIGTERM: its signal connector sets ``trainer.received_sigterm`` and the loops raise
``SIGTERMException`` at the next safe point (after the step has been logged, or at the end of a validation batch
or of the epoch), which runs the callbacks' ``on_exception``. But that exception is a ``SystemExit`` with status 0:
a scheduler sees a finished job. Here all three signals take that path (``stop_request`` marks the trainer),
``PreemptionCheckpoint`` (what Lightning's ``OnExceptionCheckpoint`` does, but not one: Lightning resumes any
``fit(ckpt_path=None)`` from the last checkpoint when an ``OnExceptionCheckpoint`` is present, so a fresh run in
a folder holding an older run's checkpoints would silently continue that run) writes ``checkpoints/<stage>/last.ckpt`` of the
step reached (and, through ``GeneratorExport``, ``generator.pt``), and ``stop_on_signals`` prints one line and
exits 128 + the signal number (143, 130, 138; 140 for SIGUSR2). A second Ctrl-C interrupts at once (Lightning:
exit 1). Under SLURM with the submitit launcher, submitit's warning signal (SIGUSR2, ``signal_delay_s`` before
the time limit) takes the same path, and then submitit's own handler of it runs, which requeues the job: the
requeued job (``resume=auto``) continues from the checkpoint just written.
"""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Checkpoint, ModelCheckpoint
from pytorch_lightning.utilities.exceptions import SIGTERMException

from animegan.training.timeline import logged_step

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)  # USR2: submitit's warning
LIGHTNING_SIGNAL_LOG = "pytorch_lightning.trainer.connectors.signal_connector"
KEEP_OVERRIDES = ("hydra.run.dir=", "resume=", "ckpt_path=")  # replaced in the resume command


class StopRequest:
    """The process-wide state of a stop: the signal received, the trainer to stop, where it stopped."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.trainer: pl.Trainer | None = None
        self.stopped_at: tuple[str, int] | None = None  # (stage, timeline step) of the checkpoint written
        self.previous: dict[int, Any] = {}

    def mark_trainer(self) -> None:
        """Make the running trainer stop at its next safe point, as Lightning does on SIGTERM."""
        trainer = self.trainer
        if self.signum is not None and trainer is not None and not trainer.sanity_checking:
            trainer._signal_connector.received_sigterm = True  # what Lightning's own SIGTERM handler sets

    def handle(self, signum: int, _frame: object) -> None:
        """The signal handler: the first signal asks for a stop; a second SIGINT interrupts at once."""
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is None:
            self.signum = signum
        self.mark_trainer()


stop_request = StopRequest()


class PreemptionCheckpoint(Checkpoint):
    """On a requested stop, saves ``last.ckpt`` of the step reached in the stage's checkpoint folder.

    Only a stop asked for by a signal saves: after any other exception (a NaN loss) the last good checkpoint stays.
    """

    def __init__(self, filename: str = "last") -> None:
        self.dirpath = "."
        self.filename = filename

    @property
    def ckpt_path(self) -> str:
        """Where the stop's checkpoint goes: ``<stage checkpoint folder>/last.ckpt``."""
        return str(Path(self.dirpath) / f"{self.filename}{ModelCheckpoint.FILE_EXTENSION}")

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        checkpoint = trainer.checkpoint_callback
        folder = getattr(checkpoint, "dirpath", None)
        if folder is None:
            folder = (
                Path(trainer.default_root_dir) / "checkpoints" / str(getattr(pl_module, "stage", "train"))
            )
        self.dirpath = str(folder)
        stop_request.trainer = trainer

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        stop_request.mark_trainer()  # a signal that came before training (set-up, sanity check) stops it now

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        if not isinstance(exception, SIGTERMException) or trainer.sanity_checking:
            return
        checkpoint = trainer.checkpoint_callback
        if isinstance(checkpoint, ModelCheckpoint) and Path(str(checkpoint.dirpath)) == Path(self.dirpath):
            checkpoint.last_model_path = (
                self.ckpt_path
            )  # its own last.ckpt: a resumed run overwrites it, no last-v1
        trainer.save_checkpoint(self.ckpt_path)
        stop_request.stopped_at = (str(getattr(pl_module, "stage", "training")), logged_step(trainer))

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        stop_request.trainer = None


def resume_command(run_dir: Path) -> str:
    """The command line that continues this run: its overrides, its run directory, ``resume=true``."""
    overrides: list[str] = []
    try:
        from hydra.core.hydra_config import HydraConfig

        overrides = [o for o in HydraConfig.get().overrides.task if not o.startswith(KEEP_OVERRIDES)]
    except ValueError:  # not inside a Hydra app (train() called directly)
        pass
    return shlex.join(["animegan-train", *overrides, f"hydra.run.dir={run_dir}", "resume=true"])


def _hand_on(signum: int, previous: Any) -> None:
    """Run the handler the signal had before ours (submitit's requeue), if it was a Python function."""
    if callable(previous) and previous is not signal.default_int_handler:
        previous(signum, None)


@contextmanager
def stop_on_signals(run_dir: Callable[[], Path]) -> Iterator[StopRequest]:
    """Within the block SIGTERM, SIGINT, SIGUSR1 stop training at a checkpoint; then one line, exit 128 + signal.

    ``run_dir`` gives the run directory for the resume command. Outside the main thread: no handlers.
    """
    request = stop_request
    request.__init__()
    logging.getLogger(LIGHTNING_SIGNAL_LOG).setLevel(
        logging.WARNING
    )  # its "Received SIGTERM": ours is the line
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:  # started under nohup: keep ignoring
                request.previous[signum] = signal.signal(signum, request.handle)
    try:
        yield request
    except (SIGTERMException, KeyboardInterrupt):
        if request.signum is None:
            raise
        name = signal.Signals(request.signum).name
        where = "before the first checkpoint"
        if request.stopped_at is not None:
            where = f"at {request.stopped_at[0]} step {request.stopped_at[1]}"
        print(
            f"stopped by {name} {where}; resume with {resume_command(run_dir())}", file=sys.stderr, flush=True
        )
        _hand_on(request.signum, request.previous.get(request.signum))
        sys.exit(128 + request.signum)
    finally:
        for signum, handler in request.previous.items():
            signal.signal(signum, handler)
        request.trainer = None
