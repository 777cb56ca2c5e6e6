"""Media files grouped into collections: one :class:`DataFile` per split and kind.

A folder of 10,000 images is one entry in the card, not 10,000: the images of a split form a
collection named after their common folder (``train/``, or ``./`` at the root), whose members
are the image paths, sorted. Two layouts are recognised, as in Hugging Face's
``imagefolder``/``audiofolder``:

- class folders (``train/cat/001.jpg``): each member's parent folder is its ``label``, when no
  metadata file serves the files, all files sit at the same depth, and there are at least two
  classes;
- a ``metadata.csv``/``metadata.jsonl``/``metadata.parquet`` in the files' folder or above,
  with a ``file_name`` column (relative to the metadata file's folder): its other columns
  become columns of the table.

>>> media_format("a/B.JPG"), media_format("x.flac"), media_format("x.csv")
('imagefolder', 'audiofolder', None)
>>> files = collections("/d", {"train/cat/1.png": "train", "train/dog/2.png": "train"}, [])
>>> f = files[0]; f.rel, f.format, f.collection.members, f.collection.labels
('train/', 'imagefolder', ('train/cat/1.png', 'train/dog/2.png'), True)
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence

from datacard.errors import SourceError
from datacard.readers.base import Collection, DataFile

#: Image suffixes (what Pillow reads), lower case.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
#: Audio suffixes (what soundfile/libsndfile reads), lower case.
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3"})
#: Metadata file names and the format they are read with.
METADATA_NAMES = {"metadata.csv": "csv", "metadata.jsonl": "jsonl", "metadata.parquet": "parquet"}
#: The formats of media collections.
FOLDER_FORMATS = frozenset({"imagefolder", "audiofolder"})


def media_format(name: str) -> str | None:
    """``imagefolder`` or ``audiofolder`` for a media file name, else None."""
    suffix = posixpath.splitext(name.lower())[1]
    if suffix in IMAGE_SUFFIXES:
        return "imagefolder"
    if suffix in AUDIO_SUFFIXES:
        return "audiofolder"
    return None


def folder_of(rel: str) -> str:
    """The folder of a root-relative path (``""`` at the root)."""
    return posixpath.dirname(rel)


def _ancestors(folder: str) -> Iterable[str]:
    while True:
        yield folder
        if not folder:
            return
        folder = posixpath.dirname(folder)


def metadata_files(media: Iterable[str], candidates: Iterable[str]) -> list[str]:
    """The ``metadata.*`` files among ``candidates`` that serve some media file (in its folder or
    a folder above it); SourceError for two metadata files in one folder."""
    folders = {a for rel in media for a in _ancestors(folder_of(rel))}
    used: dict[str, str] = {}
    for rel in sorted(candidates):
        name = posixpath.basename(rel)
        if name not in METADATA_NAMES or folder_of(rel) not in folders:
            continue
        other = used.setdefault(folder_of(rel), rel)
        if other != rel:
            raise SourceError(
                f"two metadata files in one folder ({posixpath.basename(other)} and {name})",
                where=rel,
                hint="keep one of them",
            )
    return sorted(used.values())


def nearest_metadata(member: str, by_folder: Mapping[str, str]) -> str | None:
    """The metadata file serving ``member``: the closest one in its folder or above."""
    for folder in _ancestors(folder_of(member)):
        if folder in by_folder:
            return by_folder[folder]
    return None


def _labels(members: Sequence[str], served: bool, is_split: Callable[[str], bool]) -> bool:
    """Whether parent folders name classes (Hugging Face's rule, without split folders)."""
    if served or not members:
        return False
    parents = {posixpath.basename(folder_of(m)) for m in members}
    depths = {m.count("/") for m in members}
    if "" in parents or len(depths) != 1 or len(parents) < 2:
        return False
    return not any(is_split(p) for p in parents)


def collections(
    root: str,
    media: Mapping[str, str],
    metadata: Sequence[str],
    is_split: Callable[[str], bool] = lambda name: False,
) -> list[DataFile]:
    """One collection per (split, kind) of the ``media`` files (rel -> split) under ``root``.

    ``metadata`` are the metadata files found (see :func:`metadata_files`); each collection
    lists those that serve its members. ``is_split`` tells a split folder name from a class.
    """
    by_folder = {folder_of(m): m for m in metadata}
    groups: dict[tuple[str, str], list[str]] = {}
    for rel, split in media.items():
        fmt = media_format(rel)
        assert fmt is not None
        groups.setdefault((split, fmt), []).append(rel)
    labels: dict[str, bool] = {}
    for fmt in {fmt for _, fmt in groups}:
        members = [m for (_, f), ms in groups.items() if f == fmt for m in ms]
        served = any(nearest_metadata(m, by_folder) for m in members)
        labels[fmt] = _labels(members, served, is_split)
    names = _names(groups)
    out = []
    for key, members in sorted(groups.items()):
        split, fmt = key
        members.sort()
        serving = sorted({s for m in members if (s := nearest_metadata(m, by_folder))})
        collection = Collection(tuple(members), tuple(serving), labels[fmt])
        out.append(DataFile(root, names[key], split, fmt, collection=collection))
    return out


def _names(groups: Mapping[tuple[str, str], Sequence[str]]) -> dict[tuple[str, str], str]:
    """``train/`` (the members' common folder), ``./`` at the root; ``@split``/``@kind`` added
    when two collections share a folder."""
    common = {
        key: posixpath.commonpath([folder_of(m) for m in members]) if members else ""
        for key, members in groups.items()
    }
    out = {}
    for key, folder in common.items():
        base = f"{folder}/" if folder else "./"
        shared = [k for k, f in common.items() if f == folder]
        if len(shared) > 1:
            same_split = [k for k in shared if k[0] == key[0]]
            base += f"@{key[0]}" if len(same_split) == 1 else f"@{key[0]}-{key[1]}"
        out[key] = base
    return out
