"""Errors whose message is one line a user can act on (what is wrong, what was expected)."""


class AnimeGANError(Exception):
    """Base class: the CLI prints ``str(error)`` as one line and exits non-zero."""


class InputError(AnimeGANError):
    """An input file or folder cannot be used (missing, corrupt, wrong type, too large)."""


class WeightsError(AnimeGANError):
    """A weights or checkpoint file cannot be loaded (missing, truncated, unsafe, wrong architecture)."""


class DownloadError(AnimeGANError):
    """A download failed, was truncated, or did not match its expected hash."""
