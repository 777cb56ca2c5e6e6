"""The card as Croissant 1.1 JSON-LD with the RAI vocabulary (``export --format croissant``).

The file is meant to sit in the card's folder: every ``contentUrl`` is a data file's path relative
to it, so ``mlcroissant.Dataset(jsonld=path).records(record_set="train")`` reads the rows offline.

- ``distribution``: one ``cr:FileObject`` per data file (sha256, size, media type), plus a
  ``cr:FileSet`` for a split that spans several files of one format; a folder of images or
  audio clips is a ``cr:FileSet`` whose ``includes`` globs and ``encodingFormat`` follow the
  measured format mix (``image/jpeg``, ``image/png``, ``audio/wav``, ...);
- ``recordSet``: a ``cr:Split`` enumeration of the splits (``splits``) and one RecordSet per split
  (``train``, ``test``, ...; ``train-parquet`` when a split mixes formats) with a typed
  ``cr:Field`` per column and, when the split's name is in its file paths, a ``split`` field that
  references the enumeration (the spec's pattern for ML splits); in a media record set the
  ``image``/``audio`` column is the file's content (``sc:ImageObject``/``sc:AudioObject``) and a
  class-folder ``label`` is the name of the file's folder (``fileProperty: fullpath`` and a
  regular expression);
- the Responsible-AI vocabulary (``rai:*``) from the datasheet answers (:data:`RAI_PROPERTIES`)
  and the data findings, and PROV-O provenance: ``prov:wasDerivedFrom`` for the card's sources,
  ``prov:wasGeneratedBy`` for datacard's measurement.

>>> from datacard.card import Card
>>> doc = json.loads(CroissantRenderer().render(Card(name="digits", license="MIT"), []))
>>> doc["@type"], doc["license"], doc["conformsTo"][0]
('sc:Dataset', 'https://spdx.org/licenses/MIT.html', 'http://mlcommons.org/croissant/1.1')
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final
from urllib.parse import quote

from datacard.card import Card, Creator, Source
from datacard.findings import Finding, Severity
from datacard.measured import ColumnSummary, FileSummary, Measured, SplitSummary

CROISSANT_1_1: Final = "http://mlcommons.org/croissant/1.1"
RAI_1_0: Final = "http://mlcommons.org/croissant/RAI/1.0"
PROV: Final = "http://www.w3.org/ns/prov#"

#: The standard Croissant 1.1 ``@context`` (as mlcroissant 1.1 writes it) plus ``prov``.
CONTEXT: Final[dict[str, Any]] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "prov": PROV,
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: Datasheet question (``section.id``) -> the Croissant RAI 1.0 property that carries its answer.
#: One question per property, so the importer can invert it. Questions not listed here have no
#: RAI counterpart and stay in the card only.
RAI_PROPERTIES: Final[dict[str, str]] = {
    "collection.process": "rai:dataCollection",
    "collection.acquisition": "rai:dataCollectionType",
    "composition.missing": "rai:dataCollectionMissingData",
    "preprocessing.raw_data": "rai:dataCollectionRawData",
    "collection.timeframe": "rai:dataCollectionTimeframe",  # only an ISO date or interval
    "preprocessing.steps": "rai:dataPreprocessingProtocol",
    "composition.labels": "rai:dataAnnotationProtocol",
    "preprocessing.software": "rai:machineAnnotationTools",
    "composition.sensitive": "rai:personalSensitiveInformation",
    "uses.tasks": "rai:dataUseCases",
    "uses.impact": "rai:dataBiases",
    "uses.out_of_scope": "rai:dataLimitations",
    "collection.impact_analysis": "rai:dataSocialImpact",
    "maintenance.updates": "rai:dataReleaseMaintenancePlan",
}

#: Datasheet question whose answer, when it is an ISO 8601 date, becomes ``datePublished``.
DATE_PUBLISHED_QUESTION: Final = "distribution.when"

#: Card file format -> media type as mlcroissant reads it.
ENCODING_FORMATS: Final[dict[str, str]] = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "parquet": "application/x-parquet",
    "jsonl": "application/jsonlines",
    "arrow": "application/vnd.apache.arrow.file",
}

#: Card formats of media collections (a folder of files read as one table).
FOLDER_FORMATS: Final = frozenset({"imagefolder", "audiofolder"})
#: Card column type of a media column -> its Croissant ``dataType``.
MEDIA_DATA_TYPES: Final = {"image": "sc:ImageObject", "audio": "sc:AudioObject"}
#: Format a decoder reports -> (media type, file suffixes).
MEDIA_FORMATS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "JPEG": ("image/jpeg", ("jpg", "jpeg")),
    "MPO": ("image/jpeg", ("jpg", "jpeg")),
    "PNG": ("image/png", ("png",)),
    "GIF": ("image/gif", ("gif",)),
    "BMP": ("image/bmp", ("bmp",)),
    "WEBP": ("image/webp", ("webp",)),
    "TIFF": ("image/tiff", ("tif", "tiff")),
    "WAV": ("audio/wav", ("wav",)),
    "WAVEX": ("audio/wav", ("wav",)),
    "FLAC": ("audio/flac", ("flac",)),
    "OGG": ("audio/ogg", ("ogg",)),
    "MP3": ("audio/mpeg", ("mp3",)),
}
#: Formats assumed when no file of a collection could be decoded.
_ANY_FORMAT: Final = {
    "imagefolder": ("JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF"),
    "audiofolder": ("WAV", "FLAC", "OGG", "MP3"),
}
#: The class-folder label column, and the expression that takes it from a file's path.
CLASS_LABEL: Final = "label"
CLASS_FOLDER_REGEX: Final = r"^(?:.*/)?([^/]+)/[^/]+$"

#: Conventional split names -> the Croissant split concept they denote.
SPLIT_CONCEPTS: Final[dict[str, str]] = {
    "train": "cr:TrainingSplit",
    "training": "cr:TrainingSplit",
    "validation": "cr:ValidationSplit",
    "valid": "cr:ValidationSplit",
    "val": "cr:ValidationSplit",
    "dev": "cr:ValidationSplit",
    "test": "cr:TestSplit",
    "testing": "cr:TestSplit",
}

#: Prefix of the ``rai:dataLimitations`` items written for findings, e.g. "[stats.range] ...".
FINDING_ITEM: Final = re.compile(r"^\[([a-z]+\.[a-z-]+)\] ")

_ISO_DATE: Final = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)
ISO_DATE: Final = re.compile(rf"^{_ISO_DATE}$")
ISO_INTERVAL: Final = re.compile(rf"^({_ISO_DATE})/({_ISO_DATE})$")

_ORGANISATION_WORDS: Final = re.compile(
    r"\b(university|universit[äéà]t?|institute|institut|college|school|laborator(?:y|ies)|lab|"
    r"labs|inc|ltd|llc|gmbh|corp|corporation|company|foundation|association|society|"
    r"consortium|council|agency|ministry|department|centre|center|group|team|project|"
    r"initiative|network|collective|organi[sz]ation|office|bureau|commons|research)\b",
    re.IGNORECASE,
)
#: Finding families that describe the card, not the data: never reported as data limitations.
_NOT_LIMITATIONS: Final = frozenset({"card"})
#: Where findings of a family go in the RAI vocabulary (the rest: ``rai:dataLimitations``).
#: Audit findings of every severity are listed (a sensitive attribute is a fact to disclose).
FINDING_PROPERTIES: Final = {
    "pii": "rai:personalSensitiveInformation",
    "sensitive": "rai:dataBiases",
    "poisoning": "rai:dataLimitations",
}
_SPDX_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")


def croissant_name(name: str) -> str:
    """A Croissant-safe identifier: ASCII letters, digits, ``-``, ``_`` and ``.`` only.

    >>> croissant_name("Crème brûlée reviews (2024)")
    'Creme-brulee-reviews-2024'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-") or "dataset"


def license_url(license: str) -> str:
    """An SPDX id as its SPDX URL; URLs and free text unchanged.

    >>> license_url("CC-BY-4.0"), license_url("see LICENSE file")
    ('https://spdx.org/licenses/CC-BY-4.0.html', 'see LICENSE file')
    """
    text = license.strip()
    if _SPDX_ID.match(text):
        return f"https://spdx.org/licenses/{text}.html"
    return text


def data_type(arrow_type: str) -> str:
    """The Croissant ``dataType`` of a column from its card (Arrow) type.

    >>> data_type("int64"), data_type("timestamp[us, tz=UTC]"), data_type("date32[day]")
    ('sc:Integer', 'sc:DateTime', 'sc:Date')
    """
    t = arrow_type
    if re.match(r"^u?int\d+$", t):
        return "sc:Integer"
    if t in ("halffloat", "float", "double") or t.startswith("decimal"):
        return "sc:Float"
    if t == "bool":
        return "sc:Boolean"
    if t.startswith("date"):
        return "sc:Date"
    if t.startswith("timestamp"):
        return "sc:DateTime"
    return "sc:Text"


def _id(*parts: str) -> str:
    """A relative IRI from parts (percent-encoded, so any column or path name is safe)."""
    return "/".join(quote(p, safe="") for p in parts)


def _creator(creator: Creator) -> dict[str, Any]:
    kind = "sc:Organization" if _ORGANISATION_WORDS.search(creator.name) else "sc:Person"
    node: dict[str, Any] = {"@type": kind, "name": creator.name}
    if creator.email:
        node["email"] = creator.email
    if creator.url:
        node["url"] = creator.url
    return node


def _source(source: Source) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "prov:Entity"}
    if source.url:
        node["@id"] = source.url
    node["name"] = source.name
    if source.url:
        node["url"] = source.url
    if source.license:
        node["license"] = license_url(source.license)
    return node


def _retrieval(source: Source) -> dict[str, Any]:
    """A PROV qualified derivation saying when a source was retrieved."""
    entity: dict[str, Any] = {"@id": source.url} if source.url else {"name": source.name}
    return {
        "@type": "prov:Derivation",
        "prov:entity": entity,
        "prov:hadActivity": {
            "@type": "prov:Activity",
            "prov:label": f"retrieval of {source.name}",
            "prov:endedAtTime": source.retrieved,
        },
    }


def _measurement(measured: Measured) -> dict[str, Any]:
    rows = sum(s.rows for s in measured.splits.values())
    return {
        "@type": "prov:Activity",
        "prov:label": "datacard measurement",
        "description": (
            f"Files, hashes, splits, schema and per-column statistics measured by datacard: "
            f"{len(measured.files)} files, {rows:,} rows (content hash {measured.content_hash})."
        ),
        "prov:wasAssociatedWith": {
            "@type": "prov:SoftwareAgent",
            "prov:label": measured.generated_by,
        },
        "prov:used": [{"@id": _id(f.path)} for f in sorted(measured.files, key=lambda f: f.path)],
    }


def _rai(card: Card, findings: Sequence[Finding]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prop in RAI_PROPERTIES.items():
        section, _, qid = key.partition(".")
        text = card.answer(section, qid).strip()
        if not text:
            continue
        if prop == "rai:dataCollectionTimeframe":
            interval = ISO_INTERVAL.match(text)
            if interval:
                out[prop] = [interval.group(1), interval.group(2)]
            elif ISO_DATE.match(text):
                out[prop] = text
            continue
        out[prop] = text
    grouped: dict[str, list[str]] = {}
    for f in findings:
        family = f.code.split(".")[0]
        prop = FINDING_PROPERTIES.get(family, "rai:dataLimitations")
        if family in _NOT_LIMITATIONS or (
            f.severity < Severity.WARNING and prop == "rai:dataLimitations"
        ):
            continue
        text = f"[{f.code}] {f.where}: {f.message}" if f.where else f"[{f.code}] {f.message}"
        grouped.setdefault(prop, []).append(text)
    for prop, items in grouped.items():
        written = out.get(prop)
        out[prop] = ([written] if written else []) + sorted(items)
    return dict(sorted(out.items()))


def _description(card: Card) -> str:
    if card.summary.strip():
        return card.summary
    measured = card.measured
    if measured is None or not measured.splits:
        return f"The {card.name} dataset."
    rows = sum(s.rows for s in measured.splits.values())
    splits = ", ".join(f"{name} ({s.rows:,} rows)" for name, s in measured.splits.items())
    return f"The {card.name} dataset: {rows:,} rows in {len(measured.splits)} splits: {splits}."


def _file_object(f: FileSummary) -> dict[str, Any]:
    rows = f"{f.rows:,} rows" if f.rows is not None else "rows not counted"
    return {
        "@type": "cr:FileObject",
        "@id": _id(f.path),
        "name": f.path,
        "description": f"Data file of the {f.split} split ({rows}).",
        "contentSize": f"{f.bytes} B",
        "contentUrl": f.path,
        "encodingFormat": ENCODING_FORMATS.get(f.format, "application/octet-stream"),
        "sha256": f.sha256,
    }


def _glob_escape(path: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", path)


def _media_column(summary: SplitSummary) -> tuple[str, ColumnSummary] | None:
    """The split's image or audio column."""
    for name, col in summary.columns.items():
        if col.type in MEDIA_DATA_TYPES:
            return name, col
    return None


def media_formats(f: FileSummary, summary: SplitSummary | None) -> list[str]:
    """The decoders' formats of a collection's files, most frequent first (TIFF last: readers
    that open JPEG and PNG with Pillow open TIFF too, not the other way round).

    >>> from datacard.measured import TopValue
    >>> fmt = ColumnSummary(type="string", kind="string", count=3, nulls=0,
    ...                     top=[TopValue(value="TIFF", count=2), TopValue(value="PNG", count=1)])
    >>> image = ColumnSummary(type="image", kind="image", count=3, nulls=0, fields={"format": fmt})
    >>> f = FileSummary(path="train/", split="train", format="imagefolder", bytes=1, sha256="")
    >>> media_formats(f, SplitSummary(rows=3, duplicate_rows=0, columns={"image": image}))
    ['PNG', 'TIFF']
    """
    found = _media_column(summary) if summary is not None else None
    top = ((found[1].fields or {}).get("format") if found else None) or None
    names = [str(t.value) for t in (top.top or [])] if top is not None else []
    names = [n for n in names if n in MEDIA_FORMATS]
    if not names:
        names = list(_ANY_FORMAT.get(f.format, ()))
    return sorted(names, key=lambda n: n == "TIFF")


def _class_folders(summary: SplitSummary) -> bool:
    """Whether the table is a media column and a class-folder ``label`` (and nothing else)."""
    found = _media_column(summary)
    return found is not None and list(summary.columns) == [found[0], CLASS_LABEL]


def media_includes(
    f: FileSummary, formats: Sequence[str], class_folders: bool, split_globs: Sequence[str] = ()
) -> list[str]:
    """Glob patterns of a collection's files: its folder (or its split's ``--split`` globs when
    it shares the folder with another split) and the suffixes of its formats, in lower and
    upper case; ``**/`` when class folders put every file one folder down or more.

    >>> f = FileSummary(path="train/", split="train", format="imagefolder", bytes=1, sha256="")
    >>> media_includes(f, ["PNG"], True)
    ['train/**/*.png', 'train/**/*.PNG']
    >>> media_includes(f.model_copy(update={"path": "./"}), ["JPEG"], False)
    ['*.jpg', '*.JPG', '*.jpeg', '*.JPEG']
    """
    folder, shared, _ = f.path.partition("@")
    if shared and split_globs:
        return list(split_globs)
    base = "" if folder in ("", "./") else _glob_escape(folder.rstrip("/")) + "/"
    base += "**/" if class_folders else ""
    suffixes: list[str] = []
    for name in formats:
        for suffix in MEDIA_FORMATS[name][1]:
            suffixes += [s for s in (suffix, suffix.upper()) if s not in suffixes]
    return [f"{base}*.{suffix}" for suffix in suffixes]


def _media_file_set(
    f: FileSummary, summary: SplitSummary | None, globs: Sequence[str]
) -> dict[str, Any]:
    formats = media_formats(f, summary)
    types = list(dict.fromkeys(MEDIA_FORMATS[n][0] for n in formats))
    kind = "image" if f.format == "imagefolder" else "audio"
    rows = f"{f.rows:,}" if f.rows is not None else "the"
    class_folders = summary is not None and _class_folders(summary)
    return {
        "@type": "cr:FileSet",
        "@id": _id(f.path),
        "name": f.path,
        "description": (
            f"The {rows} {kind} files of the {f.split} split ({f.format}, {f.bytes:,} bytes; "
            f"Merkle root of the files' sha256: {f.sha256})."
        ),
        "encodingFormat": types[0] if len(types) == 1 else types,
        "includes": media_includes(f, formats, class_folders, globs),
    }


def _tables(measured: Measured) -> list[tuple[str, str, list[FileSummary]]]:
    """(record set id, split, files) per split and file format, in the card's split order."""
    out: list[tuple[str, str, list[FileSummary]]] = []
    for split in measured.splits:
        by_format: dict[str, list[FileSummary]] = {}
        for f in sorted(measured.files, key=lambda f: f.path):
            if f.split == split:
                by_format.setdefault(f.format, []).append(f)
        for fmt, files in sorted(by_format.items()):
            rs_id = split if len(by_format) == 1 else f"{split}-{fmt}"
            out.append((_id(rs_id), split, files))
    return out


def _split_enum(measured: Measured, enum_id: str) -> dict[str, Any]:
    """The ``cr:Split`` enumeration; with a ``url`` field when every split is a known concept."""
    concepts = {name: SPLIT_CONCEPTS.get(name.lower()) for name in measured.splits}
    with_url = all(concepts.values())
    data = [
        {f"{enum_id}/name": name, **({f"{enum_id}/url": concept} if with_url else {})}
        for name, concept in concepts.items()
    ]
    fields: list[dict[str, Any]] = [
        {
            "@type": "cr:Field",
            "@id": f"{enum_id}/name",
            "name": f"{enum_id}/name",
            "description": "The name of the split.",
            "dataType": "sc:Text",
        }
    ]
    if with_url:
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{enum_id}/url",
                "name": f"{enum_id}/url",
                "description": "The kind of split: training, validation or test.",
                "dataType": ["cr:Split", "sc:URL"],
            }
        )
    return {
        "@type": "cr:RecordSet",
        "@id": enum_id,
        "name": enum_id,
        "description": f"The dataset's splits (inferred from {measured.splits_from}).",
        "dataType": "cr:Split",
        "key": {"@id": f"{enum_id}/name"},
        "field": fields,
        "data": data,
    }


def _column_field(
    rs_id: str, column: str, summary_type: str, count: int, nulls: int, source: dict[str, Any]
) -> dict[str, Any]:
    return {
        "@type": "cr:Field",
        "@id": f"{rs_id}/{_id(column)}",
        "name": column,
        "description": (
            f"Column '{column}' ({summary_type}); null in {nulls:,} of {count + nulls:,} rows."
        ),
        "dataType": data_type(summary_type),
        "source": {**source, "extract": {"column": column}},
    }


def _media_fields(
    rs_id: str, summary: SplitSummary, source: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The fields of a media record set read from its FileSet, and the columns left out (the
    metadata files' columns: the card does not name those files)."""
    fields: list[dict[str, Any]] = []
    left_out: list[str] = []
    class_folders = _class_folders(summary)
    for column, col in summary.columns.items():
        field = _column_field(rs_id, column, col.type, col.count, col.nulls, source)
        if col.type in MEDIA_DATA_TYPES:
            field["dataType"] = MEDIA_DATA_TYPES[col.type]
            field["description"] = f"The {col.type} file ({col.count + col.nulls:,} files)."
            field["source"] = {**source, "extract": {"fileProperty": "content"}}
        elif column == CLASS_LABEL and class_folders:
            field["description"] = "The class: the name of the file's folder."
            field["source"] = {
                **source,
                "extract": {"fileProperty": "fullpath"},
                "transform": {"regex": CLASS_FOLDER_REGEX},
            }
        else:
            left_out.append(column)
            continue
        fields.append(field)
    return fields, left_out


def _record_set(
    rs_id: str,
    split: str,
    files: list[FileSummary],
    summary: SplitSummary,
    enum_id: str,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The split's RecordSet, and the FileSet it reads from when it spans several files."""
    file_set: dict[str, Any] | None = None
    left_out: list[str] = []
    source: dict[str, Any]
    if files[0].format in FOLDER_FORMATS:  # one collection per split and format
        source = {"fileSet": {"@id": _id(files[0].path)}}
        fields, left_out = _media_fields(rs_id, summary, source)
    else:
        if len(files) == 1:
            source = {"fileObject": {"@id": _id(files[0].path)}}
        else:
            file_set = {
                "@type": "cr:FileSet",
                "@id": f"{rs_id}-files",
                "name": f"{rs_id}-files",
                "description": f"The {len(files)} data files of the {split} split.",
                "encodingFormat": ENCODING_FORMATS.get(files[0].format, "application/octet-stream"),
                "includes": [_glob_escape(f.path) for f in files],
            }
            source = {"fileSet": {"@id": f"{rs_id}-files"}}
        fields = [
            _column_field(rs_id, column, col.type, col.count, col.nulls, source)
            for column, col in summary.columns.items()
        ]
    media = files[0].format in FOLDER_FORMATS
    # a media collection's member paths start with its folder, not with "folder/@split"
    paths = [f.path.partition("@")[0] if media else f.path for f in files]
    if all(split in path for path in paths) and f"{rs_id}/split" not in {f["@id"] for f in fields}:
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{rs_id}/split",
                "name": "split",
                "description": "The split the record belongs to.",
                "dataType": "sc:Text",
                "references": {"field": {"@id": f"{enum_id}/name"}},
                "source": {
                    **source,
                    # mlcroissant's join rewrites the column it joins on, and a media record
                    # set's label is read from "fullpath": take the split from "filepath" (the
                    # path on disk ends with the fullpath, so the match is the same)
                    "extract": {"fileProperty": "filepath" if media else "fullpath"},
                    "transform": {"regex": f"^.*?({re.escape(split)})"},
                },
            }
        )
    rows = sum(f.rows or 0 for f in files)
    description = f"The {split} split: {rows:,} rows."
    if left_out:
        names = ", ".join(f"'{c}'" for c in left_out)
        description += f" Not described here: {names}, read from the files' metadata file."
    record_set = {
        "@type": "cr:RecordSet",
        "@id": rs_id,
        "name": rs_id,
        "description": description,
        "field": fields,
    }
    return record_set, file_set


def _enum_id(splits: Iterable[str]) -> str:
    taken = set(splits)
    for candidate in ("splits", "split_names", "datacard_splits"):
        if candidate not in taken:
            return candidate
    return "datacard_split_names"


def _structure(
    measured: Measured, split_globs: Mapping[str, Sequence[str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(distribution, recordSet)."""
    distribution = [
        _media_file_set(f, measured.splits.get(f.split), split_globs.get(f.split, ()))
        if f.format in FOLDER_FORMATS
        else _file_object(f)
        for f in sorted(measured.files, key=lambda f: f.path)
    ]
    if not measured.splits:
        return distribution, []
    enum_id = _enum_id(measured.splits)
    record_sets = [_split_enum(measured, enum_id)]
    for rs_id, split, files in _tables(measured):
        record_set, file_set = _record_set(rs_id, split, files, measured.splits[split], enum_id)
        record_sets.append(record_set)
        if file_set is not None:
            distribution.append(file_set)
    return distribution, record_sets


def croissant(card: Card, findings: Sequence[Finding] = ()) -> dict[str, Any]:
    """The Croissant document of ``card`` as plain JSON data (see :class:`CroissantRenderer`)."""
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": croissant_name(card.name),
        "description": _description(card),
        "conformsTo": [CROISSANT_1_1, RAI_1_0],
    }
    if card.citation.strip():
        doc["citeAs"] = card.citation
    if card.creators:
        doc["creator"] = [_creator(c) for c in card.creators]
    published = card.answer(*DATE_PUBLISHED_QUESTION.split(".")).strip()
    if ISO_DATE.match(published):
        doc["datePublished"] = published
    if card.license:
        doc["license"] = license_url(card.license)
    url = next((s.url for s in card.sources if s.url), None)
    if url:
        doc["url"] = url
    doc["version"] = card.version
    if card.sources:
        doc["prov:wasDerivedFrom"] = [_source(s) for s in card.sources]
        retrieved = [_retrieval(s) for s in card.sources if s.retrieved]
        if retrieved:
            doc["prov:qualifiedDerivation"] = retrieved
    if card.measured is not None:
        doc["prov:wasGeneratedBy"] = _measurement(card.measured)
    doc.update(_rai(card, findings))
    if card.measured is not None:
        doc["distribution"], doc["recordSet"] = _structure(card.measured, card.policy.splits)
    return doc


class CroissantRenderer:
    """Croissant 1.1 JSON-LD (with RAI 1.0 and PROV-O); paths relative to the card's folder."""

    name: ClassVar[str] = "croissant"
    suffix: ClassVar[str] = ".json"

    def render(self, card: Card, findings: Sequence[Finding]) -> str:
        doc = croissant(card, findings)
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
