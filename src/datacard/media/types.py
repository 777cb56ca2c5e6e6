"""The ``image`` and ``audio`` column types: Arrow extension types over a struct of facts.

A value is what datacard measured about one file (never its pixels or samples): its path,
size and sha256, header facts, and the small per-file results the accumulators merge. The
card names the types ``image`` and ``audio`` (:func:`datacard.logical_types.type_name`).

>>> IMAGE.extension_name, type_name_of(IMAGE), "hist" in IMAGE.storage_type.names
('datacard.image', 'image', True)
>>> is_media(AUDIO), is_media(IMAGE.storage_type)
(True, False)
"""

from __future__ import annotations

import contextlib
from typing import Any

import pyarrow as pa

#: Per-image facts. ``hist`` is 3 x 256 counts of 8-bit R, G, B values (a grayscale image
#: repeats its one band; ``gray`` says so); ``problem`` is null, ``corrupt`` or ``bomb``.
IMAGE_FIELDS = pa.struct(
    [
        ("path", pa.string()),
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
        ("format", pa.string()),
        ("mode", pa.string()),
        ("width", pa.int64()),
        ("height", pa.int64()),
        ("brightness", pa.float64()),
        ("exif", pa.bool_()),
        ("gps", pa.bool_()),
        ("phash", pa.uint64()),
        ("gray", pa.bool_()),
        ("hist", pa.list_(pa.int64())),
        ("problem", pa.string()),
        ("error", pa.string()),
    ]
)
#: Per-clip facts: header facts, then levels measured over every sample.
AUDIO_FIELDS = pa.struct(
    [
        ("path", pa.string()),
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
        ("format", pa.string()),
        ("subtype", pa.string()),
        ("bit_depth", pa.int64()),
        ("sample_rate", pa.int64()),
        ("channels", pa.int64()),
        ("frames", pa.int64()),
        ("duration", pa.float64()),
        ("clipping", pa.float64()),
        ("silence", pa.float64()),
        ("peak_db", pa.float64()),
        ("rms_db", pa.float64()),
        ("problem", pa.string()),
        ("error", pa.string()),
    ]
)


def measured_files(column: pa.Array) -> list[tuple[str, tuple[int, str]]]:
    """``(path, (bytes, sha256))`` of each file a media column measured (null rows skipped):
    what a collection's digest needs (:func:`datacard.digest.members_digest`), so a profile
    does not read its files a second time to hash them.

    >>> storage = pa.array([{"path": "a.png", "bytes": 3, "sha256": "ab"}, None], IMAGE_FIELDS)
    >>> measured_files(pa.ExtensionArray.from_storage(IMAGE, storage))
    [('a.png', (3, 'ab'))]
    """
    storage = column.storage if isinstance(column, pa.ExtensionArray) else column
    fields = dict(zip(storage.type.names, storage.flatten()))
    rows = zip(
        storage.is_valid().to_pylist(),
        fields["path"].to_pylist(),
        fields["bytes"].to_pylist(),
        fields["sha256"].to_pylist(),
    )
    return [(p, (n, sha)) for ok, p, n, sha in rows if ok and p and n is not None and sha]


class MediaType(pa.ExtensionType):  # type: ignore[misc]
    """A media column: ``datacard.image`` or ``datacard.audio`` over its struct of facts."""

    def __init__(self, name: str, storage: pa.DataType) -> None:
        super().__init__(storage, name)

    def __arrow_ext_serialize__(self) -> bytes:
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Any:
        raise NotImplementedError  # each registered subclass rebuilds itself

    def __reduce__(self) -> tuple[Any, ...]:
        return (_by_name, (self.extension_name,))


class ImageType(MediaType):
    def __init__(self) -> None:
        super().__init__("datacard.image", IMAGE_FIELDS)

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Any:
        return IMAGE


class AudioType(MediaType):
    def __init__(self) -> None:
        super().__init__("datacard.audio", AUDIO_FIELDS)

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Any:
        return AUDIO


IMAGE = ImageType()
AUDIO = AudioType()
_TYPES = {t.extension_name: t for t in (IMAGE, AUDIO)}


def _by_name(name: str) -> MediaType:
    return _TYPES[name]


for _t in (IMAGE, AUDIO):
    with contextlib.suppress(pa.ArrowKeyError):  # already registered (module re-imported)
        pa.register_extension_type(_t)


def is_media(t: pa.DataType) -> bool:
    """Whether ``t`` is one of datacard's media types."""
    return isinstance(t, pa.BaseExtensionType) and t.extension_name in _TYPES


def type_name_of(t: pa.DataType) -> str:
    """``image`` or ``audio`` (what the card writes as the column's type and kind)."""
    assert isinstance(t, pa.BaseExtensionType)
    return str(t.extension_name).removeprefix("datacard.")
