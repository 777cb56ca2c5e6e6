"""Find a dataset's data files and the split each one belongs to.

:func:`discover` walks a folder (or takes a single file), recognises data files by suffix
(:data:`~datacard.readers.base.FORMAT_SUFFIXES`, text formats also compressed), never follows a
symlink out of the root, and infers splits from the usual layouts, in this order:

- ``--split NAME=GLOB`` (the ``splits`` mapping), when given;
- a Hugging Face ``save_to_disk`` folder (``dataset_dict.json`` / ``state.json``);
- split folders: the first folder of a file's path named train, test, validation|valid|val|dev;
- split words in file names: ``train-00000-of-00004.parquet``, ``imdb_test.csv``;
- otherwise one split, ``train``.

A URL (``s3://bucket/data``, ``file:///abs/path``: any fsspec protocol, see
:mod:`datacard.remote`) is listed with fsspec (nothing outside its prefix, no symlink) and split
by the same rules, except that a README's ``configs`` are not read. Its data files keep full
URLs as ``path``; its media collections have the root URL as ``path``.

Images and audio files (:mod:`datacard.media.collections`) take their split from ``--split``
globs, the README's ``configs``, or split folders (never from their file names: one
``test.jpg`` among 10,000 images is not a split), else ``train``; the media files of a split
form one collection :class:`DataFile` (``train/``). A ``metadata.csv``/``.jsonl``/``.parquet``
beside media files belongs to their collection, not to the tables.

>>> detect_format("data/train.csv.gz")
('csv', 'gzip')
>>> split_from_name("train-00000-of-00004.parquet"), split_from_name("my_dev.jsonl")
('train', 'validation')
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from datacard.errors import SourceError, UsageError
from datacard.media.collections import (
    AUDIO_SUFFIXES,
    IMAGE_SUFFIXES,
    collections,
    media_format,
    metadata_files,
)
from datacard.readers.base import COMPRESSION_SUFFIXES, FORMAT_SUFFIXES, DataFile
from datacard.remote import is_url, join, kind, list_files, open_input, parent_and_name

__all__ = ["Layout", "detect_format", "discover", "readable", "split_from_name", "split_word"]

#: Words that name a split, and the split they name.
SPLIT_WORDS: dict[str, str] = {
    "train": "train",
    "test": "test",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
}
#: Formats that may carry a compression suffix (``.csv.gz``).
TEXT_FORMATS = frozenset({"csv", "tsv", "jsonl"})
#: Files that are never data, even with a data suffix.
IGNORED_NAMES = frozenset({"datacard.yaml", "datacard.yml"})

_TOKENS = re.compile(r"[^0-9a-zA-Z]+")


@dataclass(frozen=True)
class Layout:
    """The data files of a dataset, each with its split.

    ``splits_from`` says how splits were found: ``"folders"``, ``"file names"``, ``"--split"``,
    ``"hf save_to_disk"``, ``"README configs"``, ``"default"`` or ``"single file"``.
    ``skipped`` lists ``(rel path, reason)`` for files left out with a warning.
    """

    root: str
    files: tuple[DataFile, ...]
    splits_from: str
    skipped: tuple[tuple[str, str], ...] = field(default=())

    @property
    def splits(self) -> tuple[str, ...]:
        """Split names, sorted."""
        return tuple(sorted({f.split for f in self.files}))

    def files_of(self, split: str) -> tuple[DataFile, ...]:
        """The files of one split."""
        return tuple(f for f in self.files if f.split == split)


def supported_suffixes() -> str:
    """The suffixes we read, for hints."""
    text = sorted(FORMAT_SUFFIXES)
    comp = sorted(COMPRESSION_SUFFIXES)
    media = sorted(IMAGE_SUFFIXES | AUDIO_SUFFIXES)
    return (
        f"{' '.join(text)} (csv/tsv/jsonl also with {' '.join(comp)}), and folders of "
        f"{' '.join(media)}"
    )


def readable(name: str) -> bool:
    """Whether datacard reads a file of this name: a data file or a media file.

    >>> readable("a.csv.gz"), readable("x/IMG_1.JPG"), readable("notes.txt")
    (True, True, False)
    """
    return detect_format(name) is not None or media_format(name) is not None


def detect_format(name: str) -> tuple[str, str | None] | None:
    """``(format, compression)`` of a file name, or None if it is not a data file we know.

    >>> detect_format("x.PARQUET"), detect_format("x.tsv.zst"), detect_format("x.parquet.gz")
    (('parquet', None), ('tsv', 'zstd'), None)
    >>> detect_format("shard-000.tar.gz"), detect_format("shard-000.tgz")
    (('webdataset', 'gzip'), ('webdataset', None))
    """
    lower = name.lower()
    compression = None
    for suffix, comp in COMPRESSION_SUFFIXES.items():
        if lower.endswith(suffix):
            lower, compression = lower[: -len(suffix)], comp
            break
    for suffix, fmt in FORMAT_SUFFIXES.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            if (
                compression
                and fmt not in TEXT_FORMATS
                and not (fmt == "webdataset" and compression in ("gzip", "bz2"))
            ):
                return None
            return fmt, compression
    return None


def _stem(name: str) -> str:
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            name, lower = name[: -len(suffix)], lower[: -len(suffix)]
            break
    for suffix in FORMAT_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def split_word(word: str) -> str | None:
    """The split a whole word names (case-insensitive), else None.

    >>> split_word("Valid"), split_word("training")
    ('validation', None)
    """
    return SPLIT_WORDS.get(word.lower())


def split_from_name(name: str) -> str | None:
    """The split named by a word of a file's stem; None if no word or two different splits do.

    >>> split_from_name("train_test_split.csv") is None, split_from_name("mytrain.csv") is None
    (True, True)
    """
    found = {s for w in _TOKENS.split(_stem(name)) if (s := split_word(w))}
    return found.pop() if len(found) == 1 else None


def _split_from_folders(rel: str) -> str | None:
    for part in rel.split("/")[:-1]:
        if split := split_word(part):
            return split
    return None


# -- walking ---------------------------------------------------------------------------------


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclass
class _Walk:
    """Data files found under a root (rel POSIX path -> absolute path), plus skip reasons."""

    root: Path  # absolute, as given
    real_root: Path  # resolved
    found: dict[str, str] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seen_files: dict[Path, str] = field(default_factory=dict)
    seen_dirs: dict[Path, str] = field(default_factory=dict)

    def run(self) -> None:
        links: list[tuple[str, Path]] = []
        self.seen_dirs[self.real_root] = "."
        self._walk_dir(self.root, "", links)
        # Symlinks last, so a real file wins over a link to it.
        while links:
            rel, path = links.pop(0)
            self._follow(rel, path, links)

    def _walk_dir(self, folder: Path, prefix: str, links: list[tuple[str, Path]]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append((prefix.rstrip("/") or ".", f"cannot list folder: {exc.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            path = Path(entry.path)
            if entry.is_symlink():
                links.append((rel, path))
            elif entry.is_dir(follow_symlinks=False):
                self.seen_dirs[path.resolve()] = rel
                self._walk_dir(path, rel + "/", links)
            else:
                self._add_file(rel, path, path.resolve())

    def _follow(self, rel: str, path: Path, links: list[tuple[str, Path]]) -> None:
        target = path.resolve()
        name_is_data = readable(path.name)
        if not _inside(target, self.real_root):
            if name_is_data or target.is_dir():
                self.skipped.append((rel, f"symlink points outside the dataset root ({target})"))
            return
        if target.is_dir():
            if target in self.seen_dirs:
                self.skipped.append(
                    (rel, f"symlink to a folder already read ({self.seen_dirs[target]})")
                )
                return
            self.seen_dirs[target] = rel
            self._walk_dir(path, rel + "/", links)
        elif not target.exists():
            if name_is_data:
                self.skipped.append((rel, "broken symlink (its target does not exist)"))
        else:
            self._add_file(rel, path, target)

    def _add_file(self, rel: str, path: Path, real: Path) -> None:
        if path.name in IGNORED_NAMES:
            return
        fmt = detect_format(path.name)
        if fmt is None and media_format(path.name) is not None:
            if real in self.seen_files:
                self.skipped.append((rel, f"same file as {self.seen_files[real]}"))
                return
            self.seen_files[real] = rel
            self.media[rel] = str(path)
            return
        if fmt is None:
            if _compressed_columnar(path.name):
                self.skipped.append((rel, _COMPRESSED))
            return
        if real in self.seen_files:
            self.skipped.append((rel, f"same file as {self.seen_files[real]}"))
            return
        self.seen_files[real] = rel
        self.found[rel] = str(path)


_COMPRESSED = "compressed Parquet/Arrow is not supported; decompress it"


def _compressed_columnar(name: str) -> bool:
    low = name.lower()
    return bool(
        any(low.endswith(c) for c in COMPRESSION_SUFFIXES)
        and detect_format(name[: -len(PurePosixPath(name).suffix)])
    )


def _list_url(
    root: str, rels: Iterable[str]
) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """Data files and media files (rel -> URL) among the files under a URL root, and the
    skipped ones."""
    found: dict[str, str] = {}
    media: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    for rel in rels:
        name = rel.rsplit("/", 1)[-1]
        if name in IGNORED_NAMES:
            continue
        if detect_format(name) is not None:
            found[rel] = join(root, rel)
        elif media_format(name) is not None:
            media[rel] = join(root, rel)
        elif _compressed_columnar(name):
            skipped.append((rel, _COMPRESSED))
    return found, media, skipped


@dataclass(frozen=True)
class _Listed:
    """A path under a listed URL root with the few :class:`Path` methods HF detection uses."""

    url: str
    rel: str
    files: frozenset[str]

    def __truediv__(self, name: str) -> _Listed:
        return _Listed(self.url, posixpath.join(self.rel, name), self.files)

    def __str__(self) -> str:
        return join(self.url, self.rel) if self.rel else self.url

    @property
    def name(self) -> str:
        return posixpath.basename(self.rel)

    def is_file(self) -> bool:
        return self.rel in self.files

    def read_text(self, encoding: str) -> str:
        with open_input(str(self)) as handle:
            return handle.read().decode(encoding)

    def glob(self, pattern: str) -> Iterator[_Listed]:
        prefix = self.rel + "/" if self.rel else ""
        for rel in sorted(self.files):
            name = rel[len(prefix) :]
            if rel.startswith(prefix) and "/" not in name and fnmatchcase(name, pattern):
                yield self / name


# -- splits -----------------------------------------------------------------------------------


def _data_file(path: str, rel: str, split: str) -> DataFile:
    found = detect_format(rel.rsplit("/", 1)[-1])
    assert found is not None  # only data files reach here
    fmt, compression = found
    return DataFile(path=path, rel=rel, split=split, format=fmt, compression=compression)


def _match(rel: str, pattern: str) -> bool:
    pattern = pattern.removeprefix("./")
    folder = pattern.rstrip("/")
    return fnmatchcase(rel, pattern) or rel.startswith(folder + "/")


def _by_globs(
    rels: Iterable[str], splits: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    assigned: dict[str, str] = {}
    for split, globs in splits.items():
        if not split or not globs:
            raise UsageError(
                f"--split '{split}' needs a name and a glob", hint="use --split NAME=GLOB"
            )
        if isinstance(globs, str):
            globs = [globs]
        matched = False
        for rel in rels:
            if any(_match(rel, g) for g in globs):
                matched = True
                if assigned.get(rel, split) != split:
                    raise UsageError(
                        f"'{rel}' matches both --split {assigned[rel]} and --split {split}",
                        hint="make the globs of different splits disjoint",
                    )
                assigned[rel] = split
        if not matched:
            raise UsageError(
                f"--split {split}={','.join(globs)} matches no data file",
                hint="globs are relative to the dataset root, e.g. --split test='data/test-*'",
            )
    unmatched = [(rel, "matched by no --split glob") for rel in rels if rel not in assigned]
    return assigned, unmatched


def _infer(rels: Sequence[str]) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    by_folder = {rel: s for rel in rels if (s := _split_from_folders(rel))}
    by_name = {rel: s for rel in rels if (s := split_from_name(rel.rsplit("/", 1)[-1]))}
    if not by_folder and not by_name:
        return dict.fromkeys(rels, "train"), "default", []
    assigned = {**by_name, **by_folder}
    how = "folders" if by_folder else "file names"
    orphans = [
        (rel, "no split in its folder or file name; pass --split NAME=GLOB to include it")
        for rel in rels
        if rel not in assigned
    ]
    return assigned, how, orphans


def _media_splits(rels: Sequence[str]) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """Splits of media files from split folders only; ``train`` when no file has one."""
    by_folder = {rel: s for rel in rels if (s := _split_from_folders(rel))}
    if not by_folder:
        return dict.fromkeys(rels, "train"), "default", []
    orphans = [
        (rel, "no split folder above it; pass --split NAME=GLOB to include it")
        for rel in rels
        if rel not in by_folder
    ]
    return by_folder, "folders", orphans


def _hub_files(root: Path) -> dict[str, str] | None:
    try:
        from datacard.layout_hub import hub_files
    except ImportError:  # pragma: no cover - the module ships with datacard
        return None
    return hub_files(root)


def _hf_files(root: Path | _Listed) -> dict[str, str] | None:
    """rel -> split for a Hugging Face ``save_to_disk`` folder, else None."""
    index = root / "dataset_dict.json"
    if index.is_file():
        try:
            names = json.loads(index.read_text(encoding="utf-8"))["splits"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SourceError(
                f"cannot read the split list: {exc}",
                where="dataset_dict.json",
                hint="re-save the dataset with DatasetDict.save_to_disk()",
            ) from exc
        out: dict[str, str] = {}
        for name in names:
            for rel in _hf_shards(root / str(name)):
                out[f"{name}/{rel}"] = str(name)
        return out
    if (root / "state.json").is_file():
        shards = _hf_shards(root)
        if shards:
            state = _read_state(root)
            split = state.get("_split") or "train"
            return dict.fromkeys(shards, str(split))
    return None


def _read_state(folder: Path | _Listed) -> dict[str, object]:
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(
            f"cannot read state.json: {exc}",
            where=str(folder / "state.json"),
            hint="re-save the dataset with save_to_disk()",
        ) from exc
    return state if isinstance(state, dict) else {}


def _hf_shards(folder: Path | _Listed) -> list[str]:
    if not (folder / "state.json").is_file():
        return sorted(p.name for p in folder.glob("data-*.arrow"))
    listed = _read_state(folder).get("_data_files")
    if isinstance(listed, list):
        names = [str(d["filename"]) for d in listed if isinstance(d, dict) and "filename" in d]
        if names:
            return names
    return sorted(p.name for p in folder.glob("data-*.arrow"))


# -- the entry point --------------------------------------------------------------------------


def discover(
    root: str | os.PathLike[str], splits: Mapping[str, Sequence[str]] | None = None
) -> Layout:
    """The data files under ``root`` (a folder, one file, or a URL of either) and their splits.

    ``splits`` maps a split name to globs relative to the root (``--split NAME=GLOB``).
    Raises :class:`SourceError` if there is no data, :class:`UsageError` for bad globs.
    """
    if is_url(root):
        return _discover_url(str(root), splits)
    given = Path(root).absolute()
    if not given.exists():
        raise SourceError(
            "no such file or folder", where=str(root), hint="check the path of the dataset"
        )
    if given.is_file():
        return _single_file(given, splits)
    walk = _Walk(root=given, real_root=given.resolve())
    walk.run()
    found = _assign(
        walk.found, walk.media, splits, lambda: _hf_files(given), lambda: _hub_files(given)
    )
    return _layout(str(given), found, walk.skipped, lambda rel: str(given / rel), str(root))


def _discover_url(url: str, splits: Mapping[str, Sequence[str]] | None) -> Layout:
    root = url.rstrip("/")
    root = url if root.endswith(":") else root  # memory:// is a root too
    what = kind(root)
    if what is None:
        raise SourceError("no such file or folder", where=url, hint="check the URL of the dataset")
    if what == "file":
        return _single_file(root, splits)
    # hidden names (.x) are left out, as in a local walk
    rels = [r for r, _ in list_files(root) if not any(p.startswith(".") for p in r.split("/"))]
    urls, media, skipped = _list_url(root, rels)
    listed = _Listed(root, "", frozenset(rels))
    found = _assign(urls, media, splits, lambda: _hf_files(listed), lambda: None)
    return _layout(root, found, skipped, urls.__getitem__, url)


def _layout(
    root: str,
    found: _Found,
    skipped: Sequence[tuple[str, str]],
    path_of: Callable[[str], str],
    where: str,
) -> Layout:
    """The layout of the files ``found`` under ``root`` (SourceError naming ``where`` if none):
    ``path_of(rel)`` is a table's path or URL; ``skipped`` adds to the files left out."""
    _need_data(found, where)
    tables = [_data_file(path_of(rel), rel, split) for rel, split in found.tables.items()]
    folders = collections(root, found.media, found.metadata, _is_split)
    return Layout(
        root=root,
        files=tuple(sorted([*tables, *folders], key=lambda f: (f.split, f.rel))),
        splits_from=found.how,
        skipped=tuple(sorted([*skipped, *found.skipped])),
    )


@dataclass
class _Found:
    """Splits assigned to the files a walk or listing found (rel -> split)."""

    tables: dict[str, str]
    media: dict[str, str]
    metadata: list[str]
    how: str
    skipped: list[tuple[str, str]]


def _assign(
    found: Mapping[str, str],
    media_found: Mapping[str, str],
    splits: Mapping[str, Sequence[str]] | None,
    hf: Callable[[], dict[str, str] | None],
    hub: Callable[[], dict[str, str] | None],
) -> _Found:
    """Splits by ``--split`` globs, else the HF ``save_to_disk`` index (``hf()``), else the
    README's configs (``hub()``), else folder and file names."""
    skipped: list[tuple[str, str]] = []
    media = sorted(media_found)
    metadata = metadata_files(media, found)
    rels = sorted(set(found) - set(metadata))
    media_assigned: dict[str, str] | None = None
    if splits:
        both, unmatched = _by_globs([*rels, *media], splits)
        skipped += unmatched
        assigned = {rel: s for rel, s in both.items() if rel in found}
        media_assigned = {rel: s for rel, s in both.items() if rel in media_found}
        how = "--split"
    elif (hf_split := hf()) is not None:
        assigned, how = hf_split, "hf save_to_disk"
        missing = [rel for rel in assigned if rel not in found]
        if missing:
            raise SourceError(
                "a shard listed in state.json is missing",
                where=missing[0],
                hint="re-save the dataset with save_to_disk()",
            )
    elif (hub_split := hub()) is not None:
        assigned = {rel: s for rel, s in hub_split.items() if rel in rels}
        how = "README configs"
        if any(rel in media_found for rel in hub_split):
            media_assigned = {rel: s for rel, s in hub_split.items() if rel in media_found}
        skipped += [
            (rel, "not in the data_files of README.md")
            for rel in [*rels, *(media if media_assigned is not None else [])]
            if rel not in hub_split
        ]
    else:
        assigned, how, orphans = _infer(rels)
        skipped += orphans
    if media_assigned is None:
        media_assigned, media_how, orphans = _media_splits(media)
        skipped += orphans
        how = how if assigned else media_how
    return _Found(assigned, media_assigned, metadata, how, skipped)


def _need_data(found: _Found, where: str) -> None:
    if not found.tables and not found.media:
        raise SourceError(
            "no data files found",
            where=where,
            hint=f"datacard reads {supported_suffixes()}",
        )


def _is_split(name: str) -> bool:
    return split_word(name) is not None


def _single_file(path: Path | str, splits: Mapping[str, Sequence[str]] | None) -> Layout:
    """One file: a local path, or a URL (a string)."""
    if isinstance(path, Path):
        name, parent = path.name, str(path.parent)
    else:
        parent, name = parent_and_name(path)
    if media_format(name) is not None:
        split = _by_globs([name], splits)[0][name] if splits else "train"
        folder = collections(parent, {name: split}, [])
        return Layout(root=parent, files=tuple(folder), splits_from="single file")
    found = detect_format(name)
    if found is None:
        raise SourceError(
            "not a data file datacard can read",
            where=str(path),
            hint=f"datacard reads {supported_suffixes()}",
        )
    split, how = "train", "single file"
    if splits:
        assigned, _ = _by_globs([name], splits)
        split, how = assigned[name], "--split"
    return Layout(root=parent, files=(_data_file(str(path), name, split),), splits_from=how)
