"""The ``image`` and ``audio`` column accumulators: per-file facts merged into statistics.

Each is a :class:`~datacard.columns.ColumnAccumulator` whose summary nests the statistics of
the facts under ``fields`` (``width``, ``duration``, ...), each kept by the ordinary accumulator
of its type, plus:

- ``channels`` (images): per-channel pixel statistics in [0, 1] from exact 8-bit histograms
  (R, G, B; or L when every image is grayscale) - the normalisation constants;
- file samples (``kind: files``): how many files have a problem and the first
  :data:`SAMPLE_SIZE` of them by path (``corrupt_files``, ``bomb_files``, ``tiny_files``,
  ``huge_files``, ``gps_files``; ``clipped_files``, ``silent_files``), present only when
  some file has it.

Row hashes are content hashes (the file's sha256), so equal files are duplicate values.

>>> s = FileSample(); s.add(["b.png", "a.png"]); s.add(["c.png"])
>>> s.count, s.names
(3, ['a.png', 'b.png', 'c.png'])
>>> channel_summary(np.array([0] * 255 + [4])).mean
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import valid_mask, values
from datacard.columns import (
    QUANTILE_RANKS,
    BooleanAccumulator,
    ColumnAccumulator,
    NumericAccumulator,
    StringAccumulator,
    accumulator_from_dict,
    merge_into,
)
from datacard.hashing import NULL_HASH, U64, hash_array
from datacard.measured import ColumnSummary, Histogram, TopValue
from datacard.sketches import DistinctCount

#: File names kept per problem (the first ones by path, so merges are order-independent).
SAMPLE_SIZE = 10
#: An image whose shorter side is below this many pixels is tiny.
TINY_SIDE = 32
#: An image with more pixels than this (but within the decoding budget) is huge.
HUGE_PIXELS = 40_000_000
#: A clip with at least this share of clipped samples is listed as clipped.
CLIPPED_SHARE = 0.001
#: A clip with at least this share of silent windows is listed as silent.
SILENT_SHARE = 0.99
#: Bins of the per-channel histogram in the card (of the 256 exact 8-bit bins).
CHANNEL_BINS = 16

_Factory = Callable[[], ColumnAccumulator]


def _int(top: bool = True) -> _Factory:
    def make() -> ColumnAccumulator:
        acc = NumericAccumulator("int64", integer=True)
        if not top:  # frequent sizes in bytes say nothing
            acc.frequent = None
        return acc

    return make


def _float() -> _Factory:
    return lambda: NumericAccumulator("float64")


def _string() -> _Factory:
    return lambda: StringAccumulator("string")


def _bool() -> _Factory:
    return lambda: BooleanAccumulator("bool")


class FileSample:
    """How many files have a property, and the first :data:`SAMPLE_SIZE` of them by path."""

    def __init__(self) -> None:
        self.count = 0
        self.names: list[str] = []

    def add(self, names: Sequence[str]) -> None:
        self.count += len(names)
        self.names = sorted({*self.names, *names})[:SAMPLE_SIZE]

    def merge(self, other: FileSample) -> None:
        self.count += other.count
        self.names = sorted({*self.names, *other.names})[:SAMPLE_SIZE]

    def summary(self) -> ColumnSummary:
        top = [TopValue(value=name, count=1) for name in self.names]
        return ColumnSummary(type="string", kind="files", count=self.count, nulls=0, top=top)

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "names": self.names}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileSample:
        out = cls()
        out.count, out.names = int(data["count"]), [str(n) for n in data["names"]]
        return out


def channel_summary(counts: npt.NDArray[np.int64]) -> ColumnSummary:
    """Statistics of one channel from its 256 exact 8-bit counts, as values in [0, 1].

    Mean and (population) standard deviation come from exact integer sums:
    ``mean = S1 / (255 n)``, ``var = (n S2 - S1^2) / (255 n)^2``.
    """
    tally = [int(c) for c in counts]
    n = sum(tally)
    if n == 0:
        return ColumnSummary(type="float64", kind="numeric", count=0, nulls=0)
    s1 = sum(v * c for v, c in enumerate(tally))
    s2 = sum(v * v * c for v, c in enumerate(tally))
    variance = (n * s2 - s1 * s1) / (255 * n) ** 2
    present = [v for v, c in enumerate(tally) if c]
    cumulative = np.cumsum(tally)
    quantiles: dict[str, float | int | str] = {
        f"{r:g}": int(np.searchsorted(cumulative, r * n)) / 255 for r in QUANTILE_RANKS
    }
    width = 256 // CHANNEL_BINS
    bins = [sum(tally[i : i + width]) for i in range(0, 256, width)]
    return ColumnSummary(
        type="float64",
        kind="numeric",
        count=n,
        nulls=0,
        min=present[0] / 255,
        max=present[-1] / 255,
        mean=s1 / (255 * n),
        std=math.sqrt(max(variance, 0.0)),
        quantiles=quantiles,
        histogram=Histogram(edges=[i / CHANNEL_BINS for i in range(CHANNEL_BINS + 1)], counts=bins),
    )


class MediaAccumulator(ColumnAccumulator):
    """Shared by images and audio: fact accumulators, content hashes, file samples."""

    PARTS: ClassVar[dict[str, _Factory]] = {}
    SAMPLES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.parts = {name: make() for name, make in self.PARTS.items()}
        self.distinct = DistinctCount()
        self.samples = {name: FileSample() for name in self.SAMPLES}

    def _update(self, arr: pa.Array) -> U64:
        storage = arr.storage if isinstance(arr, pa.ExtensionArray) else arr
        fields = dict(zip(storage.type.names, storage.flatten()))
        hashes = hash_array(fields["sha256"])
        if storage.null_count:
            hashes[~valid_mask(storage)] = NULL_HASH
        valid = hashes[hashes != NULL_HASH]
        self.distinct.update_hashes(valid)
        for name, acc in self.parts.items():
            acc.update(self._part(name, fields))
        paths = fields["path"].to_pylist()
        for name, flags in self._flags(fields).items():
            self.samples[name].add([p for p, flag in zip(paths, flags) if flag and p is not None])
        self._absorb(fields)
        return hashes

    def _absorb(self, fields: dict[str, pa.Array]) -> None:
        """Fold in what is not a part or a sample (a subclass's own state)."""

    def _part(self, name: str, fields: dict[str, pa.Array]) -> pa.Array:
        return fields[name]

    def _flags(self, fields: dict[str, pa.Array]) -> dict[str, list[bool]]:
        problems = fields["problem"].to_pylist()
        return {"corrupt_files": [p == "corrupt" for p in problems]}

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, MediaAccumulator)
        super().merge(other)
        for name, acc in other.parts.items():
            self.parts[name] = merge_into(self.parts[name], acc)
        self.distinct.merge(other.distinct)
        for name, sample in other.samples.items():
            self.samples[name].merge(sample)

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.distinct = self.distinct.estimate() if self.count else 0
        fields = {name: acc.summary() for name, acc in self.parts.items()}
        for part in fields.values():  # mode, format: categories, not text
            part.length = part.tokens = None
        fields |= self._extra_fields()
        fields |= {n: sample.summary() for n, sample in self.samples.items() if sample.count}
        s.fields = fields
        return s

    def _extra_fields(self) -> dict[str, ColumnSummary]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "parts": {name: acc.to_dict() for name, acc in self.parts.items()},
            "distinct": self.distinct.to_dict(),
            "samples": {name: sample.to_dict() for name, sample in self.samples.items()},
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.parts = {name: accumulator_from_dict(d) for name, d in data["parts"].items()}
        self.distinct = DistinctCount.from_dict(data["distinct"])
        self.samples = {name: FileSample.from_dict(d) for name, d in data["samples"].items()}


class ImageAccumulator(MediaAccumulator):
    """Images: size, aspect ratio, mode, format, bytes, brightness, EXIF; channel statistics;
    corrupt, bomb, tiny, huge and GPS-tagged files."""

    kind = "image"
    PARTS: ClassVar[dict[str, _Factory]] = {
        "width": _int(),
        "height": _int(),
        "aspect_ratio": _float(),
        "bytes": _int(top=False),
        "brightness": _float(),
        "mode": _string(),
        "format": _string(),
        "exif": _bool(),
    }
    SAMPLES = ("corrupt_files", "bomb_files", "tiny_files", "huge_files", "gps_files")

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.hist = np.zeros((3, 256), np.int64)
        self.gray = 0  # images measured as grayscale
        self.color = 0  # images measured as color

    def _part(self, name: str, fields: dict[str, pa.Array]) -> pa.Array:
        if name == "aspect_ratio":
            return pc.divide(
                fields["width"].cast(pa.float64()), fields["height"].cast(pa.float64())
            )
        return fields[name]

    def _absorb(self, fields: dict[str, pa.Array]) -> None:
        hist = fields["hist"]
        measured = valid_mask(hist)
        if measured.any():
            rows = hist.filter(
                pa.Array.from_buffers(pa.bool_(), len(hist), [None, _bits(measured)])
            )
            flat = values(rows.flatten()).reshape(-1, 3, 256)
            self.hist += flat.sum(axis=0)
            gray = values(fields["gray"])[measured]
            self.gray += int(np.count_nonzero(gray))
            self.color += int(np.count_nonzero(~gray))

    def _flags(self, fields: dict[str, pa.Array]) -> dict[str, list[bool]]:
        problems = fields["problem"].to_pylist()
        widths, heights = fields["width"].to_pylist(), fields["height"].to_pylist()
        sized = [
            p is None and w is not None and h is not None
            for p, w, h in zip(problems, widths, heights)
        ]
        return {
            "corrupt_files": [p == "corrupt" for p in problems],
            "bomb_files": [p == "bomb" for p in problems],
            "tiny_files": [s and min(w, h) < TINY_SIDE for s, w, h in zip(sized, widths, heights)],
            "huge_files": [s and w * h > HUGE_PIXELS for s, w, h in zip(sized, widths, heights)],
            "gps_files": [bool(g) for g in fields["gps"].to_pylist()],
        }

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, ImageAccumulator)
        super().merge(other)
        self.hist += other.hist
        self.gray += other.gray
        self.color += other.color

    def _extra_fields(self) -> dict[str, ColumnSummary]:
        images = self.gray + self.color
        if not images:
            return {}
        names = ("L",) if not self.color else ("R", "G", "B")
        channels = {name: channel_summary(self.hist[i]) for i, name in enumerate(names)}
        return {
            "channels": ColumnSummary(
                type="struct", kind="struct", count=images, nulls=0, fields=channels
            )
        }

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "hist": self.hist.tolist(),
            "gray": self.gray,
            "color": self.color,
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.hist = np.array(data["hist"], np.int64).reshape(3, 256)
        self.gray, self.color = int(data["gray"]), int(data["color"])


def _bits(mask: npt.NDArray[np.bool_]) -> pa.Buffer:
    return pa.py_buffer(np.packbits(mask, bitorder="little"))


class AudioAccumulator(MediaAccumulator):
    """Audio: duration, sample rate, channels, bit depth, format, bytes, clipping, silence and
    levels; corrupt, clipped and silent clips."""

    kind = "audio"
    PARTS: ClassVar[dict[str, _Factory]] = {
        "duration": _float(),
        "sample_rate": _int(),
        "channels": _int(),
        "bit_depth": _int(),
        "bytes": _int(top=False),
        "format": _string(),
        "subtype": _string(),
        "clipping": _float(),
        "silence": _float(),
        "peak_db": _float(),
        "rms_db": _float(),
    }
    SAMPLES = ("corrupt_files", "clipped_files", "silent_files")

    def _flags(self, fields: dict[str, pa.Array]) -> dict[str, list[bool]]:
        clipping = fields["clipping"].to_pylist()
        silence = fields["silence"].to_pylist()
        return super()._flags(fields) | {
            "clipped_files": [c is not None and c >= CLIPPED_SHARE for c in clipping],
            "silent_files": [s is not None and s >= SILENT_SHARE for s in silence],
        }
