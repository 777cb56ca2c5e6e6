"""What datacard measures about one audio clip, streaming its samples in blocks.

:func:`audio_facts` reads the header (format, subtype, sample rate, channels), then decodes
the clip in blocks of about 10 seconds (memory stays bounded for hour-long files) and measures:

- ``clipping``: the share of samples (over all channels) with ``|x| >= CLIP_LEVEL`` of full
  scale;
- ``silence``: the share of 10 ms windows whose RMS (over all channels) is below
  ``SILENCE_DB`` dBFS;
- ``peak_db`` and ``rms_db``: the clip's peak and RMS level in dBFS, floored at ``FLOOR_DB``.

A file soundfile (libsndfile) cannot decode is ``corrupt``, with its message.

>>> import io, numpy as np, soundfile as sf
>>> buffer = io.BytesIO()
>>> sf.write(buffer, np.zeros(1600), 16000, format="WAV", subtype="PCM_16")
>>> _ = buffer.seek(0)
>>> facts = audio_facts_of(buffer, 1, "00")
>>> facts["duration"], facts["bit_depth"], facts["silence"], facts["peak_db"]
(0.1, 16, 1.0, -100.0)
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from datacard.digest import hash_stream
from datacard.remote import is_url, open_input

#: A sample at or above this share of full scale counts as clipped.
CLIP_LEVEL = 0.999
#: A 10 ms window quieter than this (RMS, dBFS) counts as silent.
SILENCE_DB = -60.0
#: Levels are floored here (digital silence would be minus infinity).
FLOOR_DB = -100.0
#: Window length for silence, in seconds.
WINDOW_SECONDS = 0.01
#: Windows per decoded block (1,000 x 10 ms: 10 seconds).
BLOCK_WINDOWS = 1000
#: A URL's clip is copied into memory up to this size, beyond it into a temporary file.
SPOOL_BYTES = 64 << 20
#: Bits per sample of the PCM and float subtypes (compressed subtypes have none).
BIT_DEPTHS = {
    "PCM_S8": 8,
    "PCM_U8": 8,
    "PCM_16": 16,
    "PCM_24": 24,
    "PCM_32": 32,
    "FLOAT": 32,
    "DOUBLE": 64,
    "ALAW": 8,
    "ULAW": 8,
}


def _errors() -> tuple[type[BaseException], ...]:
    import soundfile

    return (soundfile.SoundFileError, RuntimeError, OSError, ValueError, EOFError)


def audio_facts(path: str | Path) -> dict[str, Any]:
    """The facts of one audio file, a local path or a URL (the keys of
    :data:`datacard.media.types.AUDIO_FIELDS` except ``path``); OSError if it cannot be read.

    A URL's bytes are read once through fsspec, hashed on the way into a local copy (in memory
    up to :data:`SPOOL_BYTES`, then a temporary file) that is decoded as a local file would be.
    """
    if is_url(path):
        with open_input(path) as remote, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
            return _hashed_facts(remote, copy)
    with Path(path).open("rb") as handle:
        return _hashed_facts(handle, None)


def _hashed_facts(source: IO[bytes], copy: IO[bytes] | None) -> dict[str, Any]:
    """Hash ``source`` to its end (writing it to ``copy`` if given), then decode from the start
    of ``copy`` (else of ``source``)."""
    size, sha256 = hash_stream(source, copy)
    decoded = copy if copy is not None else source
    decoded.seek(0)
    return audio_facts_of(decoded, size, sha256)


def audio_facts_of(handle: IO[bytes], size: int, sha256: str) -> dict[str, Any]:
    """The facts of an open audio file of ``size`` bytes whose content hash is ``sha256``."""
    import soundfile

    out: dict[str, Any] = {"bytes": size, "sha256": sha256}
    try:
        with soundfile.SoundFile(handle) as clip:
            out.update(
                format=clip.format,
                subtype=clip.subtype,
                bit_depth=BIT_DEPTHS.get(clip.subtype),
                sample_rate=clip.samplerate,
                channels=clip.channels,
            )
            out.update(_levels(clip))
    except _errors() as exc:
        out["problem"] = "corrupt"
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        out["error"] = text[:200]
    return out


def _db(power: float) -> float:
    """A mean square (power) in dBFS, floored at :data:`FLOOR_DB`."""
    if power <= 0.0:
        return FLOOR_DB
    return max(FLOOR_DB, 10.0 * math.log10(power))


def _levels(clip: Any) -> dict[str, Any]:
    window = max(1, round(clip.samplerate * WINDOW_SECONDS))
    silent_power = 10.0 ** (SILENCE_DB / 10.0)
    frames = clipped = windows = silent = 0
    peak = squares = 0.0
    for block in clip.blocks(blocksize=window * BLOCK_WINDOWS, dtype="float64", always_2d=True):
        n = len(block)
        if n == 0:
            continue
        magnitude = np.abs(block)
        frames += n
        clipped += int(np.count_nonzero(magnitude >= CLIP_LEVEL))
        peak = max(peak, float(magnitude.max()))
        power = np.square(block).mean(axis=1)  # per frame, over channels
        squares += float(power.sum())
        whole = n // window * window
        per_window = power[:whole].reshape(-1, window).mean(axis=1)
        if whole < n:  # the clip's last, shorter window
            per_window = np.append(per_window, power[whole:].mean())
        windows += len(per_window)
        silent += int(np.count_nonzero(per_window < silent_power))
    out: dict[str, Any] = {
        "frames": frames,
        "duration": frames / clip.samplerate if clip.samplerate else None,
    }
    if frames:
        out.update(
            clipping=clipped / (frames * clip.channels),
            silence=silent / windows,
            peak_db=_db(peak * peak),
            rms_db=_db(squares / frames),
        )
    return out
