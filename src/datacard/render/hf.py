"""The card as a Hugging Face dataset card: ``README.md`` with YAML metadata and the HF sections.

The front matter (``pretty_name``, ``license``, ``size_categories``, ``configs``,
``dataset_info``) is what the Hub and ``datasets.load_dataset`` read; the body follows the Hub's
dataset card template, filled from the datasheet answers (:data:`HF_SECTIONS` says which answer
goes where) and the measured facts. :mod:`datacard.importers.hf` reads such a file back.

Image and audio folders are written as the Hub's ``imagefolder``/``audiofolder`` expect: each
split's ``data_files`` is a glob over its folder (``train/**``), the media column an ``image`` or
``audio`` feature and the class-folder ``label`` a ``class_label`` with the class names; the
body adds each split's image and audio statistics, with the normalisation constants.

>>> from datacard.card import Card, Creator, Source
>>> text = HfCardRenderer().render(Card(name="digits", license="CC-BY-4.0"), [])
>>> text.splitlines()[:3]
['---', 'pretty_name: digits', 'license: cc-by-4.0']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from datacard.card import Card, Creator, Source
from datacard.datasheet import question
from datacard.findings import Finding
from datacard.measured import ColumnSummary, FileSummary, Measured
from datacard.render.markdown import (
    clean_answer,
    code_block,
    column_table,
    escape_markdown,
    is_generated,
    link,
    number,
    render_template,
    split_table,
)
from datacard.yamlio import block

#: Hugging Face card section -> the datasheet questions (``section.id``) written in it, the
#: first being the section's main question. Every datasheet question appears exactly once.
#: "Funded by" is the one-line bullet of "Dataset Description"; the rest are headings.
HF_SECTIONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Funded by", ("motivation.funding",)),
    ("Direct Use", ("uses.tasks", "uses.prior", "uses.repository")),
    ("Out-of-Scope Use", ("uses.out_of_scope",)),
    (
        "Dataset Structure",
        (
            "composition.instances",
            "composition.instance_data",
            "composition.count",
            "composition.splits",
            "composition.labels",
            "composition.missing",
            "composition.duplicates",
            "composition.relationships",
        ),
    ),
    ("Curation Rationale", ("motivation.purpose", "motivation.creators", "motivation.comments")),
    (
        "Data Collection and Processing",
        (
            "collection.process",
            "collection.acquisition",
            "collection.timeframe",
            "composition.sampling",
            "composition.external",
            "preprocessing.steps",
            "preprocessing.raw_data",
            "preprocessing.software",
        ),
    ),
    ("Who are the source data producers?", ("collection.who",)),
    (
        "Personal and Sensitive Information",
        (
            "composition.sensitive",
            "composition.confidential",
            "composition.people",
            "composition.identifiable",
            "collection.notice",
            "collection.consent",
            "collection.ethics",
            "maintenance.retention",
        ),
    ),
    (
        "Bias, Risks, and Limitations",
        ("uses.impact", "composition.offensive", "collection.impact_analysis"),
    ),
    (
        "More Information",
        (
            "distribution.license",
            "distribution.third_parties",
            "distribution.how",
            "distribution.when",
            "distribution.restrictions",
            "distribution.export",
            "maintenance.who",
            "maintenance.updates",
            "maintenance.errata",
            "maintenance.older_versions",
            "maintenance.contributions",
        ),
    ),
    ("Dataset Card Contact", ("maintenance.contact",)),
)

#: The one place of :data:`HF_SECTIONS` that is a bullet line, not a heading.
FUNDED_BY: Final = "Funded by"
#: The Hub template's placeholder for anything not filled in.
PLACEHOLDER: Final = "[More Information Needed]"
#: The Hub template's default text of "Recommendations".
DEFAULT_RECOMMENDATIONS: Final = (
    "Users should be made aware of the risks, biases and limitations of the dataset. "
    "More information needed for further recommendations."
)
#: Written after the label of an answer datacard generated from the data (not imported back).
GENERATED_MARK: Final = "<!-- datacard: generated from the data -->"

# ---------------------------------------------------------------------------------------------
# Licenses

#: SPDX ids whose Hub id is the lower-cased SPDX id.
_SAME_AS_SPDX: Final = (
    "Apache-2.0",
    "MIT",
    "AFL-3.0",
    "Artistic-2.0",
    "BSL-1.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "CC0-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CDLA-Sharing-1.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "WTFPL",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "etalab-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "ISC",
    "LPPL-1.3c",
    "MS-PL",
    "MPL-2.0",
    "OSL-3.0",
    "PostgreSQL",
    "OFL-1.1",
    "NCSA",
    "Unlicense",
    "Zlib",
)

#: SPDX id -> Hub id where they differ (the first SPDX id of a Hub id is its inverse).
_SPDX_TO_HF: Final[dict[str, str]] = {
    **{spdx: spdx.lower() for spdx in _SAME_AS_SPDX},
    "AGPL-3.0-only": "agpl-3.0",
    "AGPL-3.0-or-later": "agpl-3.0",
    "GPL-2.0-only": "gpl-2.0",
    "GPL-2.0-or-later": "gpl-2.0",
    "GPL-3.0-only": "gpl-3.0",
    "GPL-3.0-or-later": "gpl-3.0",
    "LGPL-2.1-only": "lgpl-2.1",
    "LGPL-2.1-or-later": "lgpl-2.1",
    "LGPL-3.0-only": "lgpl-3.0",
    "LGPL-3.0-or-later": "lgpl-3.0",
    "GFDL-1.3-only": "gfdl",
    "ODbL-1.0": "odbl",
    "ODC-By-1.0": "odc-by",
    "PDDL-1.0": "pddl",
}
_BY_LOWER: Final = {spdx.lower(): hf for spdx, hf in _SPDX_TO_HF.items()}
_HF_TO_SPDX: Final[dict[str, str]] = {}
for _spdx, _hf in _SPDX_TO_HF.items():
    _HF_TO_SPDX.setdefault(_hf, _spdx)


def hf_license(spdx: str) -> tuple[str, str | None]:
    """The Hub's license id for an SPDX id, and a ``license_name`` when it is ``other``.

    >>> hf_license("CC-BY-4.0"), hf_license("ODbL-1.0"), hf_license("CC-BY-4.0 OR MIT")
    (('cc-by-4.0', None), ('odbl', None), ('other', 'cc-by-4.0-or-mit'))
    """
    known = _BY_LOWER.get(spdx.strip().lower())
    if known is not None:
        return known, None
    slug = re.sub(r"[^a-z0-9.]+", "-", spdx.lower()).strip("-.") or "custom"
    return "other", slug


def spdx_license(hf_id: str) -> str | None:
    """The SPDX id for a Hub license id (None for ``other``, ``unknown`` and unknown ids).

    >>> spdx_license("cc-by-nc-sa-4.0"), spdx_license("gpl-3.0"), spdx_license("other")
    ('CC-BY-NC-SA-4.0', 'GPL-3.0-only', None)
    """
    return _HF_TO_SPDX.get(hf_id.strip().lower())


# ---------------------------------------------------------------------------------------------
# Sizes and features

_SIZE_BUCKETS: Final = (
    (10**3, "n<1K"),
    (10**4, "1K<n<10K"),
    (10**5, "10K<n<100K"),
    (10**6, "100K<n<1M"),
    (10**7, "1M<n<10M"),
    (10**8, "10M<n<100M"),
    (10**9, "100M<n<1B"),
    (10**10, "1B<n<10B"),
    (10**11, "10B<n<100B"),
    (10**12, "100B<n<1T"),
)


def size_category(rows: int) -> str:
    """The Hub's ``size_categories`` bucket for a total row count.

    >>> size_category(999), size_category(1000), size_category(10**13)
    ('n<1K', '1K<n<10K', 'n>1T')
    """
    for limit, name in _SIZE_BUCKETS:
        if rows < limit:
            return name
    return "n>1T"


_PRIMITIVES: Final = {
    "double": "float64",
    "float": "float32",
    "halffloat": "float16",
    "date32[day]": "date32",
    "date64[ms]": "date64",
}
_NESTED = re.compile(r"(large_list|fixed_size_list|list|struct|map)<")


class _TypeParser:
    """Recursive descent over an Arrow type's text (``list<item: struct<a: int64>>``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise ValueError(f"expected {token!r} at {self.pos} in {self.text!r}")
        self.pos += len(token)

    def _name(self) -> str:
        end = self.text.find(": ", self.pos)
        if end < 0:
            raise ValueError(f"no field name at {self.pos} in {self.text!r}")
        name, self.pos = self.text[self.pos : end], end + 2
        return name

    def _nullability(self) -> None:
        if self.text.startswith(" not null", self.pos):
            self.pos += len(" not null")

    def _primitive(self) -> dict[str, Any]:
        depth, start = 0, self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "[(<":
                depth += 1
            elif char in "])>" and depth:
                depth -= 1
            elif depth == 0 and (char in ",>" or self.text.startswith(" not null", self.pos)):
                break
            self.pos += 1
        raw = self.text[start : self.pos].strip()
        if not raw:
            raise ValueError(f"empty type in {self.text!r}")
        dictionary = re.fullmatch(r"dictionary<values=(.+), indices=.*>", raw)
        if dictionary:
            return feature_spec(dictionary.group(1))
        if raw in ("large_string", "string_view"):
            raw = "string"
        return {"dtype": _PRIMITIVES.get(raw, raw)}

    def parse(self) -> dict[str, Any]:
        nested = _NESTED.match(self.text, self.pos)
        if nested is None:
            return self._primitive()
        kind = nested.group(1)
        self.pos = nested.end()
        if kind == "struct":
            fields: list[dict[str, Any]] = []
            while not self.text.startswith(">", self.pos):
                if fields:
                    self._expect(", ")
                name = self._name()
                fields.append({"name": name, **self.parse()})
                self._nullability()
            self._expect(">")
            return {"struct": fields}
        if kind == "map":
            key = self.parse()
            self._expect(", ")
            value = self.parse()
            self._expect(">")
            entries = [{"name": "key", **key}, {"name": "value", **value}]
            return {"list": entries}
        self._name()
        item = self.parse()
        self._nullability()
        self._expect(">")
        spec: dict[str, Any] = {"large_list" if kind == "large_list" else "list": _inner(item)}
        if kind == "fixed_size_list":
            size = re.compile(r"\[(\d+)\]").match(self.text, self.pos)
            if size is None:
                raise ValueError(f"no list size in {self.text!r}")
            self.pos = size.end()
            spec["length"] = int(size.group(1))
        return spec


def _inner(spec: dict[str, Any]) -> Any:
    """A list's item as the Hub writes it: a dtype, a list of fields, or a nested mapping."""
    if list(spec) == ["dtype"]:
        return spec["dtype"]
    if list(spec) == ["struct"]:
        return spec["struct"]
    return spec


def feature_spec(arrow_type: str) -> dict[str, Any]:
    """The Hub's feature for a card's Arrow type text (``dtype``, ``list``, ``struct``...).

    Unparseable types are passed through as their text.

    >>> feature_spec("double"), feature_spec("list<item: string>")
    ({'dtype': 'float64'}, {'list': 'string'})
    >>> feature_spec("struct<a: int64, b: list<item: bool>>")
    {'struct': [{'name': 'a', 'dtype': 'int64'}, {'name': 'b', 'list': 'bool'}]}
    """
    parser = _TypeParser(arrow_type)
    try:
        spec = parser.parse()
    except ValueError:
        return {"dtype": arrow_type}
    return spec if parser.pos == len(arrow_type) else {"dtype": arrow_type}


#: Card formats of media collections (a folder of files read as one table).
FOLDER_FORMATS: Final = frozenset({"imagefolder", "audiofolder"})
#: The column that class folders fill (``datacard.media.folder.LABEL``).
CLASS_LABEL: Final = "label"


def data_file_patterns(f: FileSummary, split_globs: Sequence[str] = ()) -> list[str]:
    """The ``data_files`` patterns of a card file: its path, or for a media collection a glob
    over its folder (the Hub's ``**`` matches files at any depth, metadata files included).

    A collection that shares its folder with another split (``images/@train``) uses the split's
    ``--split`` globs when the card has them.

    >>> f = FileSummary(path="train/", split="train", format="imagefolder", bytes=1, sha256="")
    >>> data_file_patterns(f), data_file_patterns(f.model_copy(update={"path": "./"}))
    (['train/**'], ['**'])
    >>> shared = f.model_copy(update={"path": "img/@train"})
    >>> data_file_patterns(shared), data_file_patterns(shared, ["img/tr_*"])
    (['img/**'], ['img/tr_*'])
    """
    if f.format not in FOLDER_FORMATS:
        return [f.path]
    folder, shared, _ = f.path.partition("@")
    if shared and split_globs:
        return list(split_globs)
    return ["**" if folder in ("", "./") else f"{folder.rstrip('/')}/**"]


def class_names(measured: Measured, column: str = CLASS_LABEL) -> list[str] | None:
    """The sorted values of a label column, when the card knows all of them (in every split
    its most frequent values account for every value), else None.

    >>> from datacard.measured import SplitSummary, TopValue
    >>> col = ColumnSummary(type="string", kind="string", count=3, nulls=0,
    ...                     top=[TopValue(value="dog", count=2), TopValue(value="cat", count=1)])
    >>> train = SplitSummary(rows=3, duplicate_rows=0, columns={"label": col})
    >>> m = Measured(generated_by="", content_hash="", splits_from="", splits={"train": train})
    >>> class_names(m)
    ['cat', 'dog']
    """
    names: set[str] = set()
    for split in measured.splits.values():
        col = split.columns.get(column)
        if col is None:
            continue
        top = col.top or []
        if column == measured.label and split.label_balance:  # every class, not only 10
            top = split.label_balance
        if sum(t.count for t in top) < col.count:
            return None
        names |= {str(t.value) for t in top}
    return sorted(names) or None


def _sample_rate(measured: Measured, column: str) -> int | None:
    """The one sample rate of every clip of an audio column, if there is one."""
    rates: set[Any] = set()
    for split in measured.splits.values():
        col = split.columns.get(column)
        fields = (col.fields or {}) if col is not None else {}
        rate = fields.get("sample_rate")
        if rate is None or rate.count == 0:
            continue
        rates |= {rate.min, rate.max}
    return int(rates.pop()) if len(rates) == 1 else None


def _feature(measured: Measured, name: str, arrow_type: str, media: bool) -> dict[str, Any]:
    """The Hub feature of a column: ``image``, ``audio``, a ``class_label``, or from its type."""
    if arrow_type == "image":
        return {"dtype": "image"}
    if arrow_type == "audio":
        rate = _sample_rate(measured, name)
        return {"dtype": {"audio": {"sampling_rate": rate}} if rate else "audio"}
    if media and name == CLASS_LABEL and arrow_type in ("string", "large_string"):
        names = class_names(measured, name)
        if names is not None:
            return {"dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(names)}}}}
    return feature_spec(arrow_type)


def front_matter(card: Card) -> dict[str, Any]:
    """The card's metadata as the Hub reads it from the README's YAML block."""
    data: dict[str, Any] = {"pretty_name": card.name}
    if card.license and card.license.strip():
        license_id, license_name = hf_license(card.license)
        data["license"] = license_id
        if license_name is not None:
            data["license_name"] = license_name
    measured = card.measured
    if measured is None or not measured.splits:
        return data
    data["size_categories"] = [size_category(sum(s.rows for s in measured.splits.values()))]
    splits = card.policy.splits
    data["configs"] = [{"config_name": "default", "data_files": _data_files(measured, splits)}]
    data["dataset_info"] = _dataset_info(measured)
    return data


def _data_files(
    measured: Measured, split_globs: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    out = []
    for name in measured.splits:
        paths: list[str] = []
        for f in measured.files:
            if f.split == name:
                patterns = data_file_patterns(f, split_globs.get(name, ()))
                paths += [p for p in patterns if p not in paths]
        if paths:
            out.append({"split": name, "path": paths})
    return out


def _dataset_info(measured: Measured) -> dict[str, Any]:
    types: dict[str, str] = {}
    for split in measured.splits.values():
        for name, column in split.columns.items():
            types.setdefault(name, column.type)
    sizes: dict[str, int] = {}
    for f in measured.files:
        sizes[f.split] = sizes.get(f.split, 0) + f.bytes
    splits = [
        {"name": name, "num_bytes": sizes.get(name, 0), "num_examples": split.rows}
        for name, split in measured.splits.items()
    ]
    total = sum(f.bytes for f in measured.files)
    media = any(f.format in FOLDER_FORMATS for f in measured.files)
    return {
        "features": [
            {"name": name, **_feature(measured, name, t, media)} for name, t in types.items()
        ],
        "splits": splits,
        "download_size": total,
        "dataset_size": total,
    }


# ---------------------------------------------------------------------------------------------
# Image and audio statistics (shared with the HTML report)


def channel_constants(
    column: ColumnSummary,
) -> tuple[list[str], list[float], list[float]] | None:
    """``(channels, means, stds)`` of an image column's pixel statistics (values in [0, 1]),
    or None when no image was decoded."""
    channels = (column.fields or {}).get("channels")
    if channels is None or not channels.fields:
        return None
    names, means, stds = [], [], []
    for name, c in channels.fields.items():
        if c.mean is None or c.std is None:
            return None
        names.append(name)
        means.append(float(c.mean))
        stds.append(float(c.std))
    return names, means, stds


def normalisation_constants(column: ColumnSummary, digits: int = 3) -> str | None:
    """The normalisation constants of an image column as Python text to copy:
    ``mean=(0.485, 0.456, 0.406) std=(0.229, 0.224, 0.225)`` (one channel: ``(0.5,)``).

    >>> from datacard.measured import ColumnSummary as C
    >>> gray = C(type="float64", kind="numeric", count=9, nulls=0, mean=0.4999, std=0.25)
    >>> channels = C(type="struct", kind="struct", count=1, nulls=0, fields={"L": gray})
    >>> normalisation_constants(C(type="image", kind="image", count=1, nulls=0,
    ...                           fields={"channels": channels}))
    'mean=(0.500,) std=(0.250,)'
    """
    found = channel_constants(column)
    if found is None:
        return None

    def values(xs: list[float]) -> str:
        inner = ", ".join(f"{x:.{digits}f}" for x in xs)
        return f"({inner},)" if len(xs) == 1 else f"({inner})"

    return f"mean={values(found[1])} std={values(found[2])}"


def value_mix(column: ColumnSummary | None, unit: str = "") -> str:
    """The frequent values of a field with their counts: ``JPEG (7), PNG (3)``."""
    if column is None or not column.top:
        return ""
    return ", ".join(f"{number(t.value)}{unit} ({number(t.count)})" for t in column.top)


def value_range(column: ColumnSummary | None, unit: str = "") -> str:
    """``min–max (median m)`` of a numeric field (one value: that value)."""
    if column is None or column.count == 0 or column.min is None:
        return ""
    if column.min == column.max:
        return f"{number(column.min)}{unit}"
    median = (column.quantiles or {}).get("0.5")
    text = f"{number(column.min)}–{number(column.max)}{unit}"
    return text + (f" (median {number(median)}{unit})" if median is not None else "")


def problem_files(column: ColumnSummary) -> list[tuple[str, int, list[str]]]:
    """``(field, how many files, the first files by path)`` of each ``kind: files`` field."""
    return [
        (name, f.count, [str(t.value) for t in f.top or []])
        for name, f in (column.fields or {}).items()
        if f.kind == "files" and f.count
    ]


def _media_lines(column: ColumnSummary) -> list[str]:
    """Bullet lines (escaped) with the statistics of an image or audio column."""
    fields = column.fields or {}
    rows: list[tuple[str, str]] = []
    if column.kind == "image":
        rows.append(("Images", f"{number(column.count)} ({number(column.distinct)} distinct)"))
        rows.append(("Width", value_range(fields.get("width"), " px")))
        rows.append(("Height", value_range(fields.get("height"), " px")))
        rows.append(("Formats", value_mix(fields.get("format"))))
        rows.append(("Modes", value_mix(fields.get("mode"))))
    else:
        duration = fields.get("duration")
        total = (duration.mean or 0) * duration.count if duration is not None else 0
        rows.append(("Clips", f"{number(column.count)}, {number(float(total))} s in total"))
        rows.append(("Duration", value_range(duration, " s")))
        rows.append(("Sample rates", value_mix(fields.get("sample_rate"), " Hz")))
        rows.append(("Channels per clip", value_mix(fields.get("channels"))))
        rows.append(("Formats", value_mix(fields.get("format"))))
    lines = [f"- **{k}:** {escape_markdown(v, inline=True)}" for k, v in rows if v]
    constants = normalisation_constants(column)
    if constants is not None:
        names = ", ".join((channel_constants(column) or ([], [], []))[0])
        lines.append(f"- **Normalisation constants ({escape_markdown(names)}):** `{constants}`")
    for name, count, files in problem_files(column):
        shown = ", ".join(escape_markdown(f, inline=True) for f in files)
        more = ", ..." if count > len(files) else ""
        label = escape_markdown(name.replace("_", " "), inline=True)
        lines.append(f"- **{label}:** {number(count)} ({shown}{more})")
    return lines


def _media(measured: Measured) -> list[tuple[str, list[str]]]:
    """(heading, bullet lines) per split and image or audio column."""
    return [
        (
            f"Split {escape_markdown(split, inline=True)}, "
            f"column {escape_markdown(name, inline=True)}",
            _media_lines(column),
        )
        for split, summary in measured.splits.items()
        for name, column in summary.columns.items()
        if column.kind in ("image", "audio")
    ]


# ---------------------------------------------------------------------------------------------
# The body


def _answers(card: Card, keys: Sequence[str]) -> str:
    """A section's answers: alone, or each under its question in bold (several questions)."""
    parts: list[str] = []
    for key in keys:
        section, _, qid = key.partition(".")
        answer = clean_answer(card.answer(section, qid))
        if not answer:
            continue
        if len(keys) == 1:
            parts.append(escape_markdown(answer))
            continue
        label = f"**{escape_markdown(question(key).text, inline=True)}**"
        if is_generated(card, section, qid):
            label += "\n" + GENERATED_MARK
        parts.append(f"{label}\n\n{escape_markdown(answer)}")
    return "\n\n".join(parts) or PLACEHOLDER


def _creator(c: Creator) -> str:
    parts = [f"**{escape_markdown(c.name, inline=True)}**"]
    if c.role:
        parts.append(escape_markdown(c.role, inline=True))
    if c.email:
        parts.append(link(f"mailto:{c.email}"))
    if c.url:
        parts.append(link(c.url))
    return "- " + " · ".join(parts)


def _source(s: Source) -> str:
    line = f"- **{escape_markdown(s.name, inline=True)}:**"
    line += f" {link(s.url)}" if s.url else ""
    extra = [
        f"license: {s.license}" if s.license else "",
        f"retrieved: {s.retrieved}" if s.retrieved else "",
    ]
    extra = [escape_markdown(e, inline=True) for e in extra if e]
    return line + (f" ({'; '.join(extra)})" if extra else "")


def _citation(text: str) -> str:
    if not text.strip():
        return PLACEHOLDER
    return code_block(text, "bibtex" if text.lstrip().startswith("@") else "")


def _structure(measured: Measured | None) -> dict[str, Any]:
    if measured is None:
        return {"splits": "", "fields": [], "media": [], "images": False}
    media = _media(measured)
    return {
        "media": media,
        "images": any("Normalisation constants" in line for _, lines in media for line in lines),
        "splits": split_table(measured),
        "hash": escape_markdown(measured.content_hash, inline=True),
        "fields": [
            (escape_markdown(name, inline=True), column_table(s))
            for name, s in measured.splits.items()
        ],
    }


class HfCardRenderer:
    """A Hugging Face dataset card (``README.md``): metadata block plus the template's sections.

    Findings are not shown: the card describes the data, ``datacard check`` judges it.
    """

    name: ClassVar[str] = "hf"
    suffix: ClassVar[str] = ".md"

    def render(self, card: Card, findings: Sequence[Finding]) -> str:
        sections: Mapping[str, str] = {
            place: _answers(card, keys) for place, keys in HF_SECTIONS if place != FUNDED_BY
        }
        inline = {
            "funded_by": escape_markdown(card.answer("motivation", "funding").strip(), inline=True)
            or PLACEHOLDER,
            "curators": ", ".join(escape_markdown(c.name, inline=True) for c in card.creators)
            or PLACEHOLDER,
            "license": escape_markdown((card.license or "").strip(), inline=True) or PLACEHOLDER,
            "version": escape_markdown(card.version, inline=True),
        }
        return render_template(
            "hf_card.md.j2",
            metadata="\n".join(block(front_matter(card), 0, flow_lists=False)),
            name=escape_markdown(card.name, inline=True),
            summary=escape_markdown(clean_answer(card.summary)) or PLACEHOLDER,
            inline=inline,
            sources=[_source(s) for s in card.sources],
            sections=sections,
            structure=_structure(card.measured),
            citation=_citation(card.citation),
            authors=[_creator(c) for c in card.creators],
            placeholder=PLACEHOLDER,
            recommendations=DEFAULT_RECOMMENDATIONS,
        )
