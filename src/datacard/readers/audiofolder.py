"""Folders of audio clips (``train/yes/001.wav``, or beside a ``metadata.csv``) as a table.

One row per clip: an ``audio`` column of measured facts (duration, sample rate, channels, bit
depth, clipping, silence, levels; see ``docs/media.md``), ``label`` from class folders, and the
metadata file's columns (a transcript is an ordinary string column). Under a URL, each clip is
read once through fsspec (see :func:`datacard.media.audio.audio_facts`).

>>> AudioFolderReader.formats
frozenset({'audiofolder'})
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from datacard.media.audio import audio_facts
from datacard.media.folder import FolderReader
from datacard.media.types import AUDIO


class AudioFolderReader(FolderReader):
    """Reads ``audiofolder`` collections (soundfile decodes; see :mod:`datacard.media.audio`)."""

    name: ClassVar[str] = "audiofolder"
    formats: ClassVar[frozenset[str]] = frozenset({"audiofolder"})
    column: ClassVar[str] = "audio"
    value_type: ClassVar[pa.ExtensionType] = AUDIO

    def facts(self, path: str) -> dict[str, Any]:
        return audio_facts(path)
