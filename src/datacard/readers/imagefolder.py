"""Folders of images (``train/cat/001.jpg``, or files beside a ``metadata.csv``) as a table.

One row per image: an ``image`` column of measured facts (size, mode, format, EXIF, pixel
histograms, hashes; see ``docs/media.md``), ``label`` from class folders, and the metadata
file's columns. Layout and grouping: :mod:`datacard.media.collections`. Under a URL, each image
is read whole through fsspec and decoded as a local one.

>>> ImageFolderReader.formats
frozenset({'imagefolder'})
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from datacard.media.folder import FolderReader
from datacard.media.images import image_facts
from datacard.media.types import IMAGE
from datacard.remote import read_bytes


class ImageFolderReader(FolderReader):
    """Reads ``imagefolder`` collections (Pillow decodes; see :mod:`datacard.media.images`)."""

    name: ClassVar[str] = "imagefolder"
    formats: ClassVar[frozenset[str]] = frozenset({"imagefolder"})
    column: ClassVar[str] = "image"
    value_type: ClassVar[pa.ExtensionType] = IMAGE

    def facts(self, path: str) -> dict[str, Any]:
        return image_facts(read_bytes(path))
