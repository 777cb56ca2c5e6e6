"""Profiles: what a dataset looks like, as a monoid of mergeable sketches.

:func:`profile_partition` is pure and runs in any process; :meth:`Profile.merge` is associative
and commutative with :meth:`Profile.empty` as its unit, so
``profile(A ∪ B) == merge(profile(A), profile(B))``. :func:`profile` plans the partitions of a
source, runs them on an executor and merges the results.

>>> import pyarrow as pa
>>> p = profile(pa.table({"x": [1, 2, 2]}))
>>> p.splits["train"].rows, p.splits["train"].duplicate_rows()
(3, 1)
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyarrow as pa

from datacard import __version__
from datacard.columns import (
    ColumnAccumulator,
    accumulator_for,
    accumulator_from_dict,
    merge_into,
)
from datacard.digest import collection_digest, data_digest, members_digest, merkle_root
from datacard.errors import SourceError
from datacard.executors import Engine, Executor, LocalExecutor, engine_scope
from datacard.hashing import U64, add_column_hash
from datacard.logical_types import type_name
from datacard.measured import FileSummary, Measured, SplitSummary, TopValue
from datacard.media.types import is_media, measured_files
from datacard.readers import reader_for
from datacard.readers.base import DataFile, FileInfo, Partition
from datacard.remote import file_size, is_url

if TYPE_CHECKING:
    from datacard.text.options import TextOptions


#: Below this many bytes of data, profiling runs in this process (workers cost more than they save).
PARALLEL_THRESHOLD = 16 << 20
#: A media file counts as at least this many bytes of work (decoding costs more than reading).
MEDIA_WORK = 256 << 10
#: On a cluster, a bucket of the row-hash shuffle covers about this much data (its hashes:
#: ~8 bytes a row, a few % of the data), so that every bucket fits one worker.
SHUFFLE_BUCKET_BYTES = 4 << 30
#: Hex digits of a member's sha256 kept in the sidecar (to name the member that changed).
MEMBER_DIGITS = 16
Progress = Callable[[int, int], None]


#: The sidecar's format (``.datacard/profile-<hash>.json``).
PROFILE_FORMAT: Final = "datacard-profile/1"


@dataclass
class SplitProfile:
    """One split: rows per unit of work, row hashes (for duplicates) and column accumulators."""

    units: dict[str, int] = field(default_factory=dict)
    unit_files: dict[str, str] = field(default_factory=dict)
    row_hashes: dict[str, U64] = field(default_factory=dict)
    columns: dict[str, ColumnAccumulator] = field(default_factory=dict)
    duplicates: int | None = None  # known without row hashes when loaded from a sidecar

    @property
    def rows(self) -> int:
        return sum(self.units.values())

    def merge(self, other: SplitProfile) -> None:
        """Fold in other rows (other units) and/or other columns of the same units."""
        for unit, rows in other.units.items():
            if unit in self.units and self.units[unit] != rows:
                raise ValueError(f"unit {unit} has {self.units[unit]} rows here, {rows} there")
            self.units[unit] = rows
        self.unit_files.update(other.unit_files)
        for unit, hashes in other.row_hashes.items():
            mine = self.row_hashes.get(unit)
            self.row_hashes[unit] = hashes.copy() if mine is None else mine + hashes
        for name, acc in other.columns.items():
            mine_acc = self.columns.get(name)
            self.columns[name] = acc if mine_acc is None else merge_into(mine_acc, acc)
        if other.duplicates is not None:
            self.duplicates = (self.duplicates or 0) + other.duplicates

    def duplicate_rows(self) -> int:
        """Rows equal to an earlier row of the split (by 64-bit row hash)."""
        if not self.row_hashes:
            return self.duplicates or 0
        ordered = np.sort(np.concatenate(list(self.row_hashes.values())))
        return int(np.count_nonzero(ordered[1:] == ordered[:-1]))


@dataclass
class Profile:
    """A dataset's profile: splits, plus facts about its files (bytes, sha256)."""

    splits: dict[str, SplitProfile] = field(default_factory=dict)
    files: dict[str, DataFile] = field(default_factory=dict)
    file_facts: dict[str, tuple[int, str]] = field(default_factory=dict)  # rel -> (bytes, sha256)
    column_order: dict[str, list[str]] = field(default_factory=dict)
    splits_from: str | None = None
    notes: list[str] = field(default_factory=list)
    #: collection rel -> {member or metadata path: [bytes, sha256 prefix]} (see MEMBER_DIGITS);
    #: a partition's profile has its members' whole sha256 (the collection's digest needs it)
    members: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    #: the label column a layout implies (``label`` from class folders), for ``init``
    label_hint: str | None = None

    @classmethod
    def empty(cls) -> Profile:
        return cls()

    def split(self, name: str) -> SplitProfile:
        return self.splits.setdefault(name, SplitProfile())

    def merge(self, other: Profile) -> Profile:
        """Merge ``other`` into this profile (in place) and return it."""
        for name, sp in other.splits.items():
            self.split(name).merge(sp)
        self.files.update(other.files)
        self.file_facts.update(other.file_facts)
        for rel, files in other.members.items():  # partitions measure a collection in pieces
            self.members.setdefault(rel, {}).update(files)
        self.label_hint = self.label_hint or other.label_hint
        for name, order in other.column_order.items():
            self.column_order.setdefault(name, order)
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.splits_from = self.splits_from or other.splits_from
        return self

    def file_rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for sp in self.splits.values():
            for unit, count in sp.units.items():
                rel = sp.unit_files[unit]
                rows[rel] = rows.get(rel, 0) + count
        return rows

    def content_hash(self) -> str:
        return merkle_root((rel, facts[1]) for rel, facts in self.file_facts.items())

    def measured(self, label: str | None = None, sidecar: str | None = None) -> Measured:
        """The card's machine-owned part, summarised from the sketches."""
        rows = self.file_rows()
        files = [
            FileSummary(
                path=rel,
                split=self.files[rel].split,
                format=self.files[rel].format,
                bytes=size,
                sha256=digest,
                rows=rows.get(rel),
            )
            for rel, (size, digest) in sorted(self.file_facts.items())
        ]
        splits = {}
        for name in sorted(self.splits, key=_split_sort_key):
            sp = self.splits[name]
            order = self.column_order.get(name) or list(sp.columns)
            order += [c for c in sp.columns if c not in order]
            columns = {c: sp.columns[c].summary() for c in order if c in sp.columns}
            balance = None
            if label is not None and label in columns:
                balance = [TopValue(value=t.value, count=t.count) for t in _balance(sp, label)]
            splits[name] = SplitSummary(
                rows=sp.rows,
                duplicate_rows=sp.duplicate_rows(),
                columns=columns,
                label_balance=balance,
            )
        return Measured(
            generated_by=f"datacard {__version__}",
            content_hash=self.content_hash(),
            splits_from=self.splits_from or "default",
            label=label,
            profile=sidecar,
            files=files,
            splits=splits,
            notes=list(self.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        """Serialised sketches (for the sidecar); row hashes are reduced to duplicate counts."""
        return {
            "format": PROFILE_FORMAT,
            "splits": {
                name: {
                    "units": sp.units,
                    "unit_files": sp.unit_files,
                    "duplicate_rows": sp.duplicate_rows(),
                    "columns": {c: acc.to_dict() for c, acc in sp.columns.items()},
                }
                for name, sp in self.splits.items()
            },
            "column_order": self.column_order,
        } | ({"members": self._members_dict()} if self.members else {})

    def _members_dict(self) -> dict[str, list[list[Any]]]:
        return {
            rel: [[name, size, digest] for name, (size, digest) in sorted(files.items())]
            for rel, files in self.members.items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """The sidecar's sketches; ValueError for another format than ``datacard-profile/1``."""
        if data.get("format") != PROFILE_FORMAT:
            raise ValueError(
                f"format {data.get('format')!r}, this datacard reads {PROFILE_FORMAT!r}"
            )
        out = cls()
        for name, sp in data["splits"].items():
            out.splits[name] = SplitProfile(
                units={k: int(v) for k, v in sp["units"].items()},
                unit_files=dict(sp["unit_files"]),
                columns={c: accumulator_from_dict(d) for c, d in sp["columns"].items()},
                duplicates=int(sp["duplicate_rows"]),
            )
        out.column_order = {k: list(v) for k, v in data.get("column_order", {}).items()}
        out.members = {
            rel: {str(name): (int(size), str(digest)) for name, size, digest in files}
            for rel, files in data.get("members", {}).items()
        }
        return out


#: Classes the label balance lists (every class while the frequent-items sketch is exact).
MAX_CLASSES = 256


def _balance(sp: SplitProfile, label: str) -> list[TopValue]:
    """The label's classes by count: all of them up to :data:`MAX_CLASSES` (a column's ``top``
    keeps only its 10 most frequent values)."""
    frequent = getattr(sp.columns[label], "frequent", None)
    if frequent is not None:
        return [TopValue(value=v, count=c) for v, c in frequent.top(MAX_CLASSES)]
    summary = sp.columns[label].summary()
    return summary.top if summary.top is not None else []


def _split_sort_key(name: str) -> tuple[int, str]:
    order = {"train": 0, "validation": 1, "test": 2}
    return (order.get(name, 3), name)


def _conform(
    batch: pa.RecordBatch, schema: pa.Schema | None, wanted: Sequence[str] | None = None
) -> pa.RecordBatch:
    """Cast columns whose value type differs from the split's unified schema, and add the
    split's columns this file lacks (of those ``wanted``) as nulls, so its rows count as
    missing values there."""
    if schema is None:
        return batch
    arrays = []
    names = list(batch.schema.names)
    changed = False
    for name, column in zip(names, batch.columns):
        target = schema.field(name).type if name in schema.names else column.type
        if type_name(column.type) != type_name(target) and not pa.types.is_dictionary(target):
            column = column.cast(target)
            changed = True
        arrays.append(column)
    for f in schema:
        if f.name not in names and (wanted is None or f.name in wanted):
            arrays.append(pa.nulls(batch.num_rows, f.type))
            names.append(f.name)
            changed = True
    return pa.RecordBatch.from_arrays(arrays, names=names) if changed else batch


def profile_partition(partition: Partition, schema: pa.Schema | None = None) -> Profile:
    """Profile one partition (pure: reads its rows, returns sketches; no shared state). Of a
    media collection it also returns each member's bytes and sha256, as measured (``members``).
    """
    out = Profile()
    sp = out.split(partition.file.split)
    hashes: list[U64] = []
    rows = 0
    for raw in partition.batches():
        batch = _conform(raw, schema, partition.columns)
        row_hash = np.zeros(batch.num_rows, np.uint64)
        for name, column in zip(batch.schema.names, batch.columns):
            acc = sp.columns.get(name)
            if acc is None:
                acc = sp.columns[name] = accumulator_for(column.type)
            elif acc.kind == "null" and not pa.types.is_null(column.type):
                fresh = accumulator_for(column.type)
                acc = sp.columns[name] = merge_into(acc, fresh)
            add_column_hash(row_hash, acc.update(column), name)
            if partition.file.collection is not None and is_media(column.type):
                out.members.setdefault(partition.file.rel, {}).update(measured_files(column))
        hashes.append(row_hash)
        rows += batch.num_rows
    if schema is not None:
        for f in schema:
            wanted = partition.columns is None or f.name in partition.columns
            if wanted and f.name not in sp.columns:
                sp.columns[f.name] = accumulator_for(f.type)
    sp.units[partition.unit] = rows
    sp.unit_files[partition.unit] = partition.file.rel
    sp.row_hashes[partition.unit] = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    out.files[partition.file.rel] = partition.file
    return out


@dataclass(frozen=True)
class _Task:
    partition: Partition
    schema: pa.Schema | None
    text: TextOptions | None = None  # travels with the task: workers may not be forked


def _run(task: _Task) -> Profile:
    from datacard.text.options import use

    with use(task.text):
        return profile_partition(task.partition, task.schema)


#: A partition's row hashes, by (split, unit): the one O(rows) part of a partial profile.
RowHashes = dict[tuple[str, str], U64]


def _run_apart(task: _Task) -> tuple[Profile, RowHashes]:
    """A partition's profile without its row hashes, and the row hashes (to be shuffled)."""
    partial = _run(task)
    hashes: RowHashes = {}
    for split, sp in partial.splits.items():
        for unit, values in sp.row_hashes.items():
            hashes[(split, unit)] = values
        sp.row_hashes = {}
    return partial, hashes


def cut_row_hashes(parts: list[RowHashes], buckets: int) -> list[dict[str, U64]]:
    """The row hashes of a group of partitions, cut by value into ``buckets`` pieces per split.
    A unit split by columns has its partial hashes summed first (its partitions share a group).

    >>> h = {("train", "u"): np.array([5, 8, 5], np.uint64)}
    >>> [p["train"].tolist() for p in cut_row_hashes([h], 2)]
    [[8], [5, 5]]
    """
    units: RowHashes = {}
    for part in parts:
        for key, values in part.items():
            units[key] = values.copy() if key not in units else units[key] + values
    by_split: dict[str, list[U64]] = {}
    for (split, _), values in units.items():
        by_split.setdefault(split, []).append(values)
    pieces: list[dict[str, U64]] = [{} for _ in range(buckets)]
    for split, arrays in by_split.items():
        values = np.concatenate(arrays)
        bucket = (values % np.uint64(buckets)).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
        for k in range(buckets):
            pieces[k][split] = values[order[bounds[k] : bounds[k + 1]]]
    return pieces


def count_duplicates(pieces: list[dict[str, U64]]) -> dict[str, int]:
    """Per split, the rows whose hash equals an earlier row's, in one bucket's pieces (equal
    hashes always share a bucket, so the buckets' counts add up to the split's).

    >>> count_duplicates([{"train": np.array([5, 5], np.uint64)}, {"train": np.array([5])}])
    {'train': 2}
    """
    by_split: dict[str, list[U64]] = {}
    for piece in pieces:
        for split, values in piece.items():
            by_split.setdefault(split, []).append(values)
    out = {}
    for split, arrays in by_split.items():
        ordered = np.sort(np.concatenate(arrays))
        out[split] = int(np.count_nonzero(ordered[1:] == ordered[:-1]))
    return out


def _fold_shuffled(
    executor: Any, tasks: Sequence[_Task], progress: Progress | None, total_bytes: int
) -> Profile:
    """On a cluster: partial profiles fold up the merge tree without their row hashes, which
    are shuffled by value instead (groups of partitions cut them into buckets; each bucket
    counts its duplicates), so no process holds every row hash."""
    from datacard.executors.dask import Shuffle

    units = list(dict.fromkeys(t.partition.unit for t in tasks))  # plan order
    groups = min(len(units), 4 * executor.workers)
    group_of = {unit: i * groups // len(units) for i, unit in enumerate(units)}
    buckets = max(2 * executor.workers, -(-total_bytes // SHUFFLE_BUCKET_BYTES))
    shuffle = Shuffle(
        groups=[group_of[t.partition.unit] for t in tasks],
        buckets=buckets,
        cut=cut_row_hashes,
        join=count_duplicates,
    )
    result, counts = executor.map_reduce_shuffle(
        _run_apart, tasks, Profile.merge, progress, shuffle
    )
    for split, sp in result.splits.items():
        sp.duplicates = sum(c.get(split, 0) for c in counts)
    folded: Profile = result
    return folded


def unify(split: str, infos: Sequence[tuple[DataFile, FileInfo]]) -> pa.Schema:
    """One schema for a split's files (ints widen to floats, nulls take any type)."""
    schemas = [info.schema for _, info in infos]
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    # Integers in one file and text in another (a WebDataset `cls` of ids): text for all.
    text = {
        f.name
        for schema in schemas
        for f in schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    }
    widened = [
        pa.schema(
            [
                f.with_type(pa.string()) if f.name in text and pa.types.is_integer(f.type) else f
                for f in schema
            ]
        )
        for schema in schemas
    ]
    try:
        return pa.unify_schemas(widened, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first = infos[0]
        for file, info in infos[1:]:
            for f in info.schema:
                if f.name in first[1].schema.names:
                    other = first[1].schema.field(f.name).type
                    if type_name(other) != type_name(f.type):
                        raise SourceError(
                            f"column '{f.name}' is {type_name(other)} in {first[0].rel} "
                            f"but {type_name(f.type)} in {file.rel}",
                            where=f"split {split}",
                            hint="make the files of one split agree on column types",
                        ) from exc
        raise SourceError(f"the files of split '{split}' have incompatible schemas") from exc


def plan(
    files: Sequence[DataFile],
    infos: Mapping[str, FileInfo],
    workers: int,
    text: TextOptions | None = None,
    partitions: Mapping[str, Sequence[Partition]] | None = None,
) -> list[_Task]:
    """Partitions of every file (``partitions`` by file, when already read), split further by
    columns when there are fewer than workers."""
    by_split: dict[str, list[tuple[DataFile, FileInfo]]] = {}
    for f in files:
        by_split.setdefault(f.split, []).append((f, infos[f.rel]))
    schemas = {split: unify(split, items) for split, items in by_split.items()}
    if partitions is None:
        partitions = {f.rel: reader_for(f.format).partitions(f) for f in files}
    parts = [p for f in files for p in partitions[f.rel]]
    tasks = [_Task(p, schemas[p.file.split], text) for p in parts]
    if workers < 2 or len(parts) >= 2 * workers:
        return tasks
    split_tasks = []
    for task in tasks:
        names = task.schema.names if task.schema is not None else []
        columnar = task.partition.file.format in {"parquet", "arrow", "memory"}
        if not columnar or len(names) < 2:
            split_tasks.append(task)
            continue
        groups = [tuple(names[i::workers]) for i in range(workers)]
        for group in groups:
            split_tasks.append(
                _Task(dataclasses.replace(task.partition, columns=group), task.schema, text)
            )
    return split_tasks


Leaf = tuple[str, int, str]  # (path, bytes, sha256) of one file of a collection
Digest = tuple[int, str, list[Leaf] | None]


def file_digest(file: DataFile) -> Digest:
    """``(bytes, sha256, None)`` of a plain file; of a collection ``(0, "", leaves)`` with the
    ``(path, bytes, sha256)`` of the files it lists (:func:`_digests` lists only its metadata
    files: members are hashed as they are measured, :func:`profile_partition`)."""
    if file.collection is None:
        size, digest = data_digest(file)
        return size, digest, None
    return 0, "", members_digest(file)


def _digests(files: Sequence[DataFile], executor: Executor) -> dict[str, Digest]:
    """Every file's digest: read here for the local engine (beside the worker pool), by the
    workers on a cluster (the files are where the workers are)."""
    # a collection's members are hashed as they are measured: its digest task gets none
    hashed = [f.slice(0, 0) if f.collection is not None else f for f in files if f.path]
    if executor.name == "local":
        return {f.rel: file_digest(f) for f in hashed}
    return {hashed[i].rel: digest for i, digest in executor.map(file_digest, hashed)}


def _collection_facts(result: Profile, file: DataFile, metadata: Sequence[Leaf]) -> Digest:
    """A collection's ``(bytes, Merkle root, leaves)`` from the bytes and sha256 its partitions
    measured (in ``result.members``) and its metadata files' ``leaves`` (members not measured,
    which a full profile does not leave, are hashed here)."""
    known = dict(result.members.get(file.rel, {}))
    known.update((name, (size, sha)) for name, size, sha in metadata)
    leaves = members_digest(file, known)
    return (*collection_digest(leaves), leaves)


#: Files whose footers and first blocks are read at once while planning (network storage
#: answers each read in tens of milliseconds: 700 files one by one would take most of a minute).
INSPECT_THREADS = 16


def _inspect_all(files: Sequence[DataFile]) -> list[tuple[FileInfo, Sequence[Partition]]]:
    """Every file's schema and row count (footers, first blocks) and its partitions, in file
    order (the first bad file raises); read in threads when there are many files."""
    if len(files) < 4:
        return [_inspect(f) for f in files]
    with ThreadPoolExecutor(min(INSPECT_THREADS, len(files))) as pool:
        return list(pool.map(_inspect, files))


def _inspect(file: DataFile) -> tuple[FileInfo, Sequence[Partition]]:
    reader = reader_for(file.format)
    return reader.inspect(file), reader.partitions(file)


def work_bytes(file: DataFile) -> int:
    """How much work a file is, in bytes read (a media file counts at least MEDIA_WORK)."""
    if file.collection is None:
        return file_size(file.path)
    total = 0
    for path in file.sources():
        try:
            total += max(file_size(path), MEDIA_WORK)
        except OSError:
            total += MEDIA_WORK  # reading it will say what is wrong
    return total


def profile(
    source: Any,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    text: TextOptions | None = None,
    engine: Engine = None,
) -> Profile:
    """Profile a folder, a file, or an in-memory table (pandas, polars, pyarrow, HF datasets).

    ``splits`` maps split names to globs (relative to the folder); ``workers`` caps processes
    (or sizes a new Dask LocalCluster); ``text`` asks for a real tokenizer's counts and the
    language mix of text columns (conversation columns are always profiled as chats);
    ``engine`` is ``"local"`` (default), ``"dask"`` (a LocalCluster), a ``distributed.Client`` or
    an executor (:func:`datacard.executors.open_engine`). In-memory objects are profiled here.
    """
    from datacard.text.options import use

    if not isinstance(source, str | os.PathLike):
        from datacard.readers.memory import from_object

        with use(text):
            return _profile_memory(from_object(source), progress)
    root = str(source) if is_url(source) else Path(source)  # a URL stays a string (remote.py)
    with engine_scope(engine, workers=workers) as executor:  # None: the local engine
        return _profile(root, splits, workers, executor, progress, text)


def _profile(
    source: str | Path,
    splits: Mapping[str, Sequence[str]] | None,
    workers: int | None,
    executor: Executor | None,
    progress: Progress | None,
    text: TextOptions | None,
) -> Profile:
    from datacard.layout import discover

    layout = discover(source, splits)
    files = list(layout.files)
    splits_from = layout.splits_from
    notes = [f"skipped {rel}: {reason}" for rel, reason in layout.skipped]
    labelled = any(f.collection is not None and f.collection.labels for f in files)
    infos, parts = {}, {}
    for f, (info, file_parts) in zip(files, _inspect_all(files)):
        infos[f.rel], parts[f.rel] = info, file_parts
        notes.extend(w for w in info.warnings if w not in notes)
    if executor is None:  # the local engine: small data runs in this process
        small = sum(work_bytes(f) for f in files) < PARALLEL_THRESHOLD
        executor = LocalExecutor(1 if small else workers)
    tasks = plan(files, infos, executor.workers, text, parts)
    result = Profile(splits_from=splits_from, notes=notes)
    result.label_hint = "label" if labelled else None
    with ThreadPoolExecutor(1) as hasher:
        digests = hasher.submit(_digests, files, executor)
        if tasks and hasattr(executor, "map_reduce_shuffle"):
            total = sum(work_bytes(f) for f in files)
            result.merge(_fold_shuffled(executor, tasks, progress, total))
        elif tasks:  # merged in plan order: the same data gives the same numbers
            result.merge(executor.map_reduce(_run, tasks, Profile.merge, progress))
        for f in files:
            result.files[f.rel] = f
            if not f.path:
                continue
            size, digest, leaves = digests.result()[f.rel]
            if f.collection is not None:
                size, digest, leaves = _collection_facts(result, f, leaves or [])
            result.file_facts[f.rel] = (size, digest)
            if leaves is not None:
                result.members[f.rel] = {name: (n, sha[:MEMBER_DIGITS]) for name, n, sha in leaves}
    for split in result.splits:
        schema = next((t.schema for t in tasks if t.partition.file.split == split), None)
        if schema is not None:
            result.column_order[split] = list(schema.names)
    return result


def _profile_memory(tables: Sequence[tuple[str, pa.Table]], progress: Progress | None) -> Profile:
    from datacard.readers.memory import memory_partitions

    result = Profile(splits_from="in-memory object")
    token = uuid.uuid4().hex[:12]  # rows of two objects are different rows, even if equal
    parts = [
        dataclasses.replace(p, unit=f"{p.unit}@{token}")
        for split, table in tables
        for p in memory_partitions(split, table)
    ]
    for i, part in enumerate(parts, 1):
        result.merge(profile_partition(part))
        if progress:
            progress(i, len(parts))
    for split, table in tables:
        result.column_order[split] = list(table.schema.names)
    return result
