"""Croissant export and import: mlcroissant validates and loads the export offline; round trips.

Regenerate the golden file with ``DATACARD_UPDATE_GOLDEN=1 pytest tests/test_croissant.py``.
"""

from __future__ import annotations

import datetime as dt
import doctest
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # mlcroissant reads local files only; be sure
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import mlcroissant as mlc
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import datacard.importers.croissant as importer_module
import datacard.render.croissant as renderer_module
from datacard.card import Card
from datacard.errors import CardError
from datacard.findings import Finding
from datacard.importers.croissant import CroissantImporter
from datacard.render.croissant import RAI_PROPERTIES, CroissantRenderer
from datacard.workflow import import_documentation, init_card, render
from golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "croissant"

# rdflib (under mlcroissant's JSON-LD parser) deprecates a class mlcroissant still uses.
# pandas deprecates the in-place reset_index mlcroissant calls after reading Parquet.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning:rdflib.*"),
    pytest.mark.filterwarnings(
        "ignore:The inplace keyword in DataFrame.reset_index is deprecated"
        ":pandas.errors.Pandas4Warning"
    ),
]

# The human-owned part of a card, with unicode, quotes, backslashes and newlines everywhere.
HUMAN: dict[str, Any] = {
    "name": "reviews-2024",
    "version": "1.2.0",
    "summary": 'Ünïcode "quoted" product reviews — with a\nnewline and a \\ backslash.',
    "license": "CC-BY-4.0",
    "creators": [
        {"name": "Zoë O'Brien", "url": "https://example.org/zoe", "email": "zoe@example.org"},
        {"name": "Example University"},
    ],
    "sources": [
        {
            "name": 'The "Reviews" corpus',
            "url": "https://example.org/reviews",
            "license": "CC0-1.0",
            "retrieved": "2024-05-01",
        },
        {"name": "A survey (unpublished)"},
    ],
    "citation": '@misc{obrien2024, title={Ünïcode "reviews"}, year={2024}}',
}

# Datasheet answers that have a Croissant counterpart (RAI properties and datePublished).
ANSWERS: dict[str, str] = {
    "collection.process": "Scraped with a “polite” crawler; see crawl.py.",
    "collection.acquisition": "Web Scraping",
    "collection.timeframe": "2023-01-01/2023-12-31",
    "preprocessing.steps": 'Lowercased; removed "spam" (≈2 %).',
    "uses.tasks": "Sentiment classification.",
    "uses.impact": "Reviews skew towards English speakers.",
    "uses.out_of_scope": "Not for ‘credit’ scoring or profiling people.",
    "composition.sensitive": "Reviewer names were removed.",
    "maintenance.updates": "Yearly, by the maintainers.",
    "distribution.when": "2024-06-01",
}


def _columns(n: int, offset: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(offset, offset + n), pa.int64()),
            "price": pa.array(
                [None if i % 3 == 0 else round(1.25 * i, 2) for i in range(n)], pa.float64()
            ),
            "text": [f'Crème "brûlée" #{offset + i}, très bon' for i in range(n)],
            "verified": [i % 2 == 0 for i in range(n)],
            "day": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "rating": pa.array([1 + (offset + i) % 5 for i in range(n)], pa.int64()),
        }
    )


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "parquet":
        pq.write_table(table, path)
    else:
        lines = [json.dumps(row, default=str, ensure_ascii=False) for row in table.to_pylist()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dataset(root: Path, fmt: str, rows: dict[str, int]) -> Path:
    offset = 0
    for split, n in rows.items():
        _write(_columns(n, offset), root / f"{split}.{fmt}", fmt)
        offset += n
    return root


def _with_human(card: Card, **extra: Any) -> Card:
    """``card`` with the human-owned fields of :data:`HUMAN` and :data:`ANSWERS` filled in."""
    data = card.model_dump(mode="json", exclude_none=True)
    data.update(HUMAN, **extra)
    for key, text in ANSWERS.items():
        section, _, qid = key.partition(".")
        data["datasheet"][section][qid].update(answer=text, generated=False)
    return Card.model_validate(data)


def _validated(path: Path, caplog: pytest.LogCaptureFixture) -> mlc.Dataset:
    """Load with mlcroissant; assert it reports no error and no warning of any kind."""
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=path)  # raises mlc.ValidationError on any error
    issues = dataset.metadata.ctx.issues
    assert issues.errors == set()
    assert issues.warnings == set()
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == []
    return dataset


def _rows(dataset: mlc.Dataset, record_set: str) -> list[dict[str, Any]]:
    return list(dataset.records(record_set=record_set))


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_validates_and_loads_every_row(
    tmp_path: Path, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    root = _dataset(tmp_path / fmt, fmt, {"train": 7, "test": 3})
    card = _with_human(init_card(root, label="rating").card)
    path = root / "croissant.json"
    path.write_text(CroissantRenderer().render(card, []), encoding="utf-8")

    dataset = _validated(path, caplog)
    assert card.measured is not None
    for split, summary in card.measured.splits.items():
        rows = _rows(dataset, split)
        assert len(rows) == summary.rows
        assert {r[f"{split}/split"] for r in rows} == {split.encode()}
        assert sorted(r[f"{split}/id"] for r in rows) == sorted(
            int(v)
            for v in {"train": range(0, 7), "test": range(7, 10)}[split]  # ids are unique
        )
        texts = {r[f"{split}/text"].decode() for r in rows}
        assert all(t.startswith('Crème "brûlée"') for t in texts)
    names = [r["splits/name"] for r in _rows(dataset, "splits")]
    assert sorted(names) == ["test", "train"]  # inline data is not cast


def test_export_describes_files_types_splits_and_rai(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "d", "parquet", {"train": 4, "test": 2})
    card = _with_human(init_card(root, label="rating").card)
    doc = json.loads(CroissantRenderer().render(card, []))

    assert doc["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert doc["@context"]["prov"] == "http://www.w3.org/ns/prov#"
    assert doc["conformsTo"] == [
        "http://mlcommons.org/croissant/1.1",
        "http://mlcommons.org/croissant/RAI/1.0",
    ]
    assert doc["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert doc["url"] == "https://example.org/reviews"
    assert doc["datePublished"] == "2024-06-01"
    assert [c["@type"] for c in doc["creator"]] == ["sc:Person", "sc:Organization"]
    files = {f["contentUrl"]: f for f in doc["distribution"]}
    assert set(files) == {"test.parquet", "train.parquet"}
    train_file = files["train.parquet"]
    assert card.measured is not None
    measured = {f.path: f for f in card.measured.files}
    assert train_file["encodingFormat"] == "application/x-parquet"
    assert train_file["sha256"] == measured["train.parquet"].sha256
    assert train_file["contentSize"] == f"{measured['train.parquet'].bytes} B"
    record_sets = {rs["@id"]: rs for rs in doc["recordSet"]}
    assert record_sets["splits"]["dataType"] == "cr:Split"
    assert {row["splits/url"] for row in record_sets["splits"]["data"]} == {
        "cr:TrainingSplit",
        "cr:TestSplit",
    }
    types = {f["name"]: f["dataType"] for f in record_sets["train"]["field"]}
    assert types == {
        "id": "sc:Integer",
        "price": "sc:Float",
        "text": "sc:Text",
        "verified": "sc:Boolean",
        "day": "sc:Date",
        "rating": "sc:Integer",
        "split": "sc:Text",
    }
    assert doc["rai:dataCollection"] == ANSWERS["collection.process"]
    assert doc["rai:dataLimitations"] == ANSWERS["uses.out_of_scope"]
    assert doc["rai:dataCollectionTimeframe"] == ["2023-01-01", "2023-12-31"]
    assert doc["rai:dataCollectionMissingData"].startswith("Columns with missing (null) values")
    assert doc["rai:dataAnnotationProtocol"].startswith("Label column 'rating'")
    assert [s["name"] for s in doc["prov:wasDerivedFrom"]] == [
        'The "Reviews" corpus',
        "A survey (unpublished)",
    ]
    assert doc["prov:wasGeneratedBy"]["prov:used"] == [
        {"@id": "test.parquet"},
        {"@id": "train.parquet"},
    ]


def test_multi_file_splits_and_unusual_names_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A split over several files reads through a FileSet; odd column and file names are safe."""
    root = tmp_path / "shards"
    table = _columns(5, 0).rename_columns(["my id", "a/b", "ünï", "ok?", "day", "rating"])
    (root / "data").mkdir(parents=True)
    pq.write_table(table.slice(0, 3), root / "data" / "fit-0.parquet")
    pq.write_table(table.slice(3), root / "data" / "fit [1].parquet")
    pq.write_table(table, root / "data" / "other.parquet")
    card = init_card(root, splits={"fit": ["data/fit*"], "holdout": ["data/other.parquet"]}).card
    card = _with_human(card)
    path = root / "croissant.json"
    path.write_text(CroissantRenderer().render(card, []), encoding="utf-8")

    dataset = _validated(path, caplog)
    fit, holdout = _rows(dataset, "fit"), _rows(dataset, "holdout")
    assert (len(fit), len(holdout)) == (5, 5)
    assert sorted(r["fit/my%20id"] for r in fit) == [0, 1, 2, 3, 4]
    doc = json.loads(path.read_text(encoding="utf-8"))
    file_sets = [d for d in doc["distribution"] if d["@type"] == "cr:FileSet"]
    assert [fs["includes"] for fs in file_sets] == [
        ["data/fit [[]1[]].parquet", "data/fit-0.parquet"]
    ]
    # "holdout" is not a known split concept and not in its file's path: no url, no split field.
    enum = next(rs for rs in doc["recordSet"] if rs["@id"] == "splits")
    assert enum["data"] == [{"splits/name": "fit"}, {"splits/name": "holdout"}]


def test_findings_become_data_limitations_and_are_not_imported(tmp_path: Path) -> None:
    card = _with_human(init_card(_dataset(tmp_path / "d", "csv", {"train": 3})).card)
    findings = [
        Finding.of("stats.range", "price 99 is above the recorded max 9", where="train/price"),
        Finding.of("card.required-empty", "summary is empty", where="summary"),
    ]
    path = tmp_path / "croissant.json"
    path.write_text(CroissantRenderer().render(card, findings), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["rai:dataLimitations"] == [
        ANSWERS["uses.out_of_scope"],
        "[stats.range] train/price: price 99 is above the recorded max 9",
    ]
    imported = CroissantImporter().read(path)
    sheet: Any = imported["datasheet"]
    assert sheet["uses"]["out_of_scope"]["answer"] == ANSWERS["uses.out_of_scope"]


def test_round_trip_through_the_workflow(tmp_path: Path) -> None:
    """export -> import into a fresh card of the same data -> export gives the same bytes."""
    first = _dataset(tmp_path / "first", "csv", {"train": 6, "test": 4})
    written = init_card(first, label="rating")
    from datacard.fileio import atomic_write
    from datacard.yamlio import render_new_card

    atomic_write(written.path, render_new_card(_with_human(written.card)))
    exported, suffix = render(first, "croissant")
    assert suffix == ".json"
    assert isinstance(exported, str)
    croissant_file = tmp_path / "croissant.json"
    croissant_file.write_text(exported, encoding="utf-8")

    imported = CroissantImporter().read(croissant_file)
    for key, value in HUMAN.items():
        assert imported[key] == value, key
    sheet: Any = imported["datasheet"]
    for key, text in ANSWERS.items():
        section, _, qid = key.partition(".")
        assert sheet[section][qid]["answer"] == text, key

    second = tmp_path / "second"
    second.mkdir()
    for name in ("train.csv", "test.csv"):
        shutil.copy(first / name, second / name)
    init_card(second, label="rating")
    import_documentation("croissant", croissant_file, second)
    again, _ = render(second, "croissant")
    assert again == exported


def test_import_a_hand_written_croissant_file(tmp_path: Path) -> None:
    """A file in another style: language maps, full IRIs, CreativeWork license, isBasedOn."""
    path = tmp_path / "metadata.json"
    doc = {
        "@context": {
            "@language": "en",
            "@vocab": "https://schema.org/",
            "cr": "http://mlcommons.org/croissant/",
            "rai": "http://mlcommons.org/croissant/RAI/",
            "dct": "http://purl.org/dc/terms/",
            "citeAs": "cr:citeAs",
            "conformsTo": "dct:conformsTo",
            "name": {"@container": "@language"},
        },
        "@type": "sc:Dataset",
        "name": {"fr": "recettes", "en": "recipes"},
        "description": "Recipes and their ingredients.",
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "citeAs": "@article{recipes}",
        "license": {
            "@type": "sc:CreativeWork",
            "url": "https://creativecommons.org/licenses/by/4.0/",
        },
        "url": "https://example.com/recipes",
        "version": "2.1",
        "datePublished": "not yet",
        "creator": {
            "@type": "sc:Organization",
            "name": "Cooking Lab",
            "url": "https://lab.example",
        },
        "isBasedOn": ["https://example.com/raw-recipes", {"@id": "urn:dataset:menus"}],
        "http://mlcommons.org/croissant/RAI/dataUseCases": ["Recipe generation.", "Search."],
        "rai:dataBiases": {"@value": "Mostly French cuisine.", "@language": "en"},
        "rai:dataCollectionTimeframe": ["2020-01-01", "2021-06-30T00:00:00"],
        "rai:unknownProperty": "ignored",
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": "recipes.csv",
                "contentUrl": "data/recipes.csv",
                "encodingFormat": "text/csv",
                "sha256": "0" * 64,
            }
        ],
        "recordSet": [{"@type": "cr:RecordSet", "@id": "recipes", "field": []}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")

    imported = CroissantImporter().read(path)
    assert imported == {
        "name": "recipes",
        "version": "2.1.0",
        "summary": "Recipes and their ingredients.",
        "license": "CC-BY-4.0",
        "creators": [{"name": "Cooking Lab", "url": "https://lab.example"}],
        "sources": [
            {"name": "https://example.com/raw-recipes", "url": "https://example.com/raw-recipes"},
            {"name": "urn:dataset:menus", "url": "urn:dataset:menus"},
        ],
        "citation": "@article{recipes}",
        "datasheet": {
            "collection": {
                "timeframe": {
                    "question": "Over what timeframe was the data collected?",
                    "answer": "2020-01-01/2021-06-30T00:00:00",
                }
            },
            "uses": {
                "impact": {
                    "question": (
                        "Could its composition or collection affect future uses "
                        "(unfair treatment, harm)?"
                    ),
                    "answer": "Mostly French cuisine.",
                },
                "tasks": {
                    "question": "What (other) tasks could the dataset be used for?",
                    "answer": "Recipe generation.\n\nSearch.",
                },
            },
        },
    }
    Card.model_validate(imported)  # ready for the card as it is


def test_import_a_minimal_file_with_a_remote_context(tmp_path: Path) -> None:
    path = tmp_path / "minimal.json"
    path.write_text(
        json.dumps(
            {
                "@context": "https://example.invalid/context.jsonld",  # never fetched
                "@type": "https://schema.org/Dataset",
                "name": "tiny",
                "version": "draft",
                "license": ["MIT", "https://spdx.org/licenses/Apache-2.0.html"],
            }
        ),
        encoding="utf-8",
    )
    assert CroissantImporter().read(path) == {"name": "tiny", "license": "MIT AND Apache-2.0"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "not a Croissant dataset"),
        ('{"@type": "sc:RecordSet"}', "not a Croissant dataset"),
    ],
)
def test_import_rejects_what_is_not_a_croissant_dataset(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CardError, match=message):
        CroissantImporter().read(path)


_TEXT = (
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@given(summary=_TEXT, citation=_TEXT, answer=_TEXT, creator=_TEXT)
def test_text_survives_export_and_import(
    tmp_path_factory: pytest.TempPathFactory, summary: str, citation: str, answer: str, creator: str
) -> None:
    card = Card.model_validate(
        {
            "name": "x",
            "summary": summary,
            "citation": citation,
            "creators": [{"name": creator}],
            "datasheet": {"uses": {"tasks": {"question": "q", "answer": answer}}},
        }
    )
    path = tmp_path_factory.mktemp("prop") / "croissant.json"
    path.write_text(CroissantRenderer().render(card, []), encoding="utf-8")
    imported: Any = CroissantImporter().read(path)
    assert imported["summary"] == summary
    assert imported["citation"] == citation
    assert imported["creators"] == [{"name": creator}]
    assert imported["datasheet"]["uses"]["tasks"]["answer"] == answer


def test_rai_mapping_is_invertible_and_uses_known_properties() -> None:
    properties = list(RAI_PROPERTIES.values())
    assert len(properties) == len(set(properties))
    known = {  # the RAI 1.0 vocabulary as mlcroissant 1.1 reads it
        str(getattr(mlc._src.core.constants, name)).removeprefix(
            "http://mlcommons.org/croissant/RAI/"
        )
        for name in dir(mlc._src.core.constants)
        if name.startswith("ML_COMMONS_RAI_")
    }
    assert {p.removeprefix("rai:") for p in properties} <= known | {"dataCollectionTimeframe"}


def test_golden(tmp_path: Path) -> None:
    root = tmp_path / "reviews"
    root.mkdir()
    (root / "train.csv").write_text(
        'id,text,rating,verified,day\n1,"Très bon, ""vraiment""",5,true,2024-01-01\n'
        "2,Bad,1,false,2024-01-02\n3,,3,true,\n4,Okay,3,false,2024-01-04\n",
        encoding="utf-8",
    )
    (root / "test.csv").write_text(
        "id,text,rating,verified,day\n5,Fine,4,true,2024-02-01\n6,Meh,2,false,2024-02-02\n",
        encoding="utf-8",
    )
    card = _with_human(init_card(root, label="rating").card)
    text = CroissantRenderer().render(card, [])
    assert_golden("croissant/reviews.json", text)
    assert CroissantRenderer().render(card, []) == text  # deterministic


def test_doctests() -> None:
    for module in (renderer_module, importer_module):
        result = doctest.testmod(module)
        assert result.failed == 0
        assert result.attempted > 0
