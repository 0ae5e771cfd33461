"""Video file kinds and the codec tables of the encoder (no PyAV import: job planning reads these)."""

from __future__ import annotations

from pathlib import Path

VIDEO_CODEC = {".webm": "libvpx-vp9"}  # everything else: libx264
# audio codecs each container takes as a stream copy (None: any); others are re-encoded
AUDIO_COPY_OK: dict[str, set[str] | None] = {
    ".mp4": {"aac", "mp3", "alac", "opus", "ac3", "eac3", "flac"},
    ".m4v": {"aac", "mp3", "alac", "ac3"},
    ".mov": {"aac", "mp3", "alac", "ac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
    ".mkv": None,  # None: any codec
    ".webm": {"opus", "vorbis"},
    ".avi": {"mp3", "ac3", "pcm_s16le", "pcm_u8"},
}
AUDIO_REENCODE = {".webm": "libopus", ".avi": "libmp3lame"}  # default: aac
VIDEO_SUFFIXES = frozenset(AUDIO_COPY_OK)  # every container we read is one we can write


def is_video_path(path: Path) -> bool:
    """True if the suffix is one of the video containers we read and write."""
    return path.suffix.lower() in VIDEO_SUFFIXES
