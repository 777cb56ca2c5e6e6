"""The Hugging Face card: renderer, importer, round trips and golden files (no network)."""

from __future__ import annotations

import doctest
import logging
import shutil
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pytest
from huggingface_hub import DatasetCard, DatasetCardData

import datacard.importers.hf as importer_module
import datacard.render.hf as hf_module
from card_fixtures import TEST_CSV, TRAIN_CSV, fill, write_csv_dataset, write_nested
from datacard.card import Card
from datacard.cli import main
from datacard.datasheet import SECTIONS
from datacard.errors import CardError
from datacard.importers.hf import HfCardImporter, parse_hf_card
from datacard.logical_types import type_name
from datacard.render.hf import (
    HF_SECTIONS,
    HfCardRenderer,
    feature_spec,
    hf_license,
    size_category,
    spdx_license,
)
from datacard.workflow import import_documentation, init_card, open_card, render
from golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "hf"

HUMAN: dict[str, Any] = {
    "name": "Tiny Reviews",
    "version": "1.2.0",
    "summary": (
        "Five synthetic reviews with \"double\" and 'single' quotes, «guillemets», ü and 日本語."
        "\n\nA second paragraph with *stars*, <b>tags</b>, a|pipe & an ampersand."
    ),
    "license": "CC-BY-4.0",
    "creators": [
        {"name": "Ada Lovelace", "role": "author", "email": "ada@example.org"},
        {"name": "Grace_Hopper", "url": "https://example.org/grace"},
    ],
    "sources": [
        {"name": "Repository", "url": "https://github.com/example/tiny-reviews"},
        {
            "name": "Review dump",
            "url": "https://example.org/dump",
            "license": "CC0-1.0",
            "retrieved": "2024-05-01",
        },
    ],
    "citation": "@misc{tiny2024,\n  title = {Tiny Reviews: a test set},\n  year = {2024}\n}",
}
ANSWERS = {
    ("motivation", "purpose"): 'To test "round trips" of ünïcödé text.\n# not a heading',
    ("motivation", "funding"): "Nobody; it cost nothing.",
    ("composition", "instances"): "Product reviews.",
    ("composition", "count"): "Five reviews (written by a person).",
    ("collection", "who"): "The authors, unpaid.",
    ("uses", "tasks"): "Sentiment classification.",
    ("uses", "out_of_scope"): "Anything real:\n\n- medical advice\n- `code` and <html>",
    ("composition", "sensitive"): "No.",
    ("maintenance", "contact"): "ada@example.org",
}


def write_basic(root: Path) -> Path:
    """A deterministic two-split CSV dataset whose card has every human field filled."""
    write_csv_dataset(root)
    fill(root, HUMAN, ANSWERS)
    return root


def export(root: Path) -> str:
    content, suffix = render(root, "hf")
    assert suffix == ".md" and isinstance(content, str)
    return content


def check_golden(name: str, text: str) -> None:
    assert_golden(f"hf/{name}", text)


def hub_card(text: str, caplog: pytest.LogCaptureFixture) -> DatasetCardData:
    """Parse like the Hub client does, failing on any warning it logs."""
    with caplog.at_level(logging.WARNING, logger="huggingface_hub"):
        card = DatasetCard(text)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    data = card.data
    assert isinstance(data, DatasetCardData)
    return data


# ---------------------------------------------------------------------------------------------
# Golden files


@pytest.mark.parametrize("case", ["basic", "nested"])
def test_golden(tmp_path: Path, case: str) -> None:
    root = (write_basic if case == "basic" else write_nested)(tmp_path / case)
    check_golden(f"{case}.md", export(root))


# ---------------------------------------------------------------------------------------------
# What the Hub and `datasets` read


def test_metadata_parses_with_huggingface_hub(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = hub_card(export(write_basic(tmp_path / "d")), caplog)
    assert data.pretty_name == "Tiny Reviews"
    assert data.license == "cc-by-4.0"
    assert data.size_categories == ["n<1K"]
    assert data.language is None and data.task_categories is None
    assert data.to_dict()["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": ["train.csv"]},
                {"split": "test", "path": ["test.csv"]},
            ],
        }
    ]
    info = data.to_dict()["dataset_info"]
    assert [f["name"] for f in info["features"]] == ["id", "text", "|a|", "label", "score"]
    assert info["splits"] == [
        {"name": "train", "num_bytes": len(TRAIN_CSV.encode()), "num_examples": 4},
        {"name": "test", "num_bytes": len(TEST_CSV.encode()), "num_examples": 1},
    ]


def test_datasets_reads_the_metadata(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs

    data = hub_card(export(write_nested(tmp_path / "d")), caplog)
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert configs["default"]["data_files"] == [{"split": "train", "path": ["train.jsonl"]}]
    info = DatasetInfosDict.from_dataset_card_data(data)["default"]
    assert info.splits is not None and info.splits["train"].num_examples == 2
    assert info.features is not None
    assert info.features["tags"] == datasets.List(datasets.Value("string"))
    assert info.features["meta"] == {
        "score": datasets.Value("float64"),
        "ok": datasets.Value("bool"),
    }


def test_load_dataset_from_the_folder_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    root = write_basic(tmp_path / "d")
    (root / "README.md").write_text(export(root), encoding="utf-8")
    loaded = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert {name: split.num_rows for name, split in loaded.items()} == {"train": 4, "test": 1}
    assert loaded["train"]["|a|"][0] == "<script>alert(1)</script>"
    assert loaded["train"].features["score"] == datasets.Value("float64")


ARROW_TYPES = [
    pa.int8(),
    pa.uint64(),
    pa.float16(),
    pa.float32(),
    pa.float64(),
    pa.bool_(),
    pa.string(),
    pa.binary(),
    pa.null(),
    pa.timestamp("us"),
    pa.timestamp("ns", tz="UTC"),
    pa.date32(),
    pa.date64(),
    pa.time64("us"),
    pa.duration("s"),
    pa.decimal128(10, 2),
    pa.list_(pa.string()),
    pa.large_list(pa.int8()),
    pa.list_(pa.int32(), 3),
    pa.list_(pa.list_(pa.int64())),
    pa.struct([("x", pa.float64()), ("y", pa.list_(pa.struct([("z", pa.bool_())])))]),
    pa.list_(pa.struct([("a, b", pa.string()), ("c", pa.timestamp("ms"))])),
    pa.struct([]),
]


@pytest.mark.parametrize("arrow_type", ARROW_TYPES, ids=str)
def test_features_match_what_datasets_writes(arrow_type: pa.DataType) -> None:
    expected = datasets.Features.from_arrow_schema(pa.schema([("c", arrow_type)]))
    assert [{"name": "c", **feature_spec(type_name(arrow_type))}] == expected._to_yaml_list()


def test_unknown_types_pass_through() -> None:
    assert feature_spec("map<string, int64>") == {
        "list": [{"name": "key", "dtype": "string"}, {"name": "value", "dtype": "int64"}]
    }
    assert feature_spec("extension<x>") == {"dtype": "extension<x>"}
    assert feature_spec("list<item: int64") == {"dtype": "list<item: int64"}


@pytest.mark.parametrize(
    ("rows", "bucket"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (5 * 10**6, "1M<n<10M"),
        (10**8, "100M<n<1B"),
        (10**9, "1B<n<10B"),
        (10**11, "100B<n<1T"),
        (10**12, "n>1T"),
    ],
)
def test_size_categories(rows: int, bucket: str) -> None:
    assert size_category(rows) == bucket


def test_licenses_map_both_ways() -> None:
    for spdx in ("CC0-1.0", "CC-BY-4.0", "CC-BY-NC-SA-4.0", "MIT", "Apache-2.0", "ODbL-1.0"):
        hf_id, name = hf_license(spdx)
        assert name is None and hf_id == hf_id.lower()
        assert spdx_license(hf_id) == spdx
    assert hf_license("cc-by-sa-4.0") == ("cc-by-sa-4.0", None)
    assert hf_license("GPL-3.0-or-later") == ("gpl-3.0", None)
    assert hf_license("Proprietary: ask us") == ("other", "proprietary-ask-us")
    assert spdx_license("unknown") is None


def test_unknown_license_is_other_with_a_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = write_basic(tmp_path / "d")
    fill(root, {"license": "Internal use only"}, {})
    text = export(root)
    data = hub_card(text, caplog)
    assert (data.license, data.to_dict()["license_name"]) == ("other", "internal-use-only")
    assert parse_hf_card(text)["license"] == "Internal use only"


def test_yaml_sensitive_names_stay_strings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    card = open_card(write_basic(tmp_path / "d")).card
    for name in ("yes", "null", "1.0", "a: b", "#x", "- y", "n<1K"):
        text = HfCardRenderer().render(card.model_copy(update={"name": name}), [])
        assert hub_card(text, caplog).pretty_name == name
        assert parse_hf_card(text)["name"] == name


def test_without_measurements_there_is_no_data_metadata(caplog: pytest.LogCaptureFixture) -> None:
    text = HfCardRenderer().render(Card(name="empty"), [])
    data = hub_card(text, caplog).to_dict()
    assert data == {"pretty_name": "empty"}
    assert parse_hf_card(text) == {"name": "empty", "version": "0.1.0"}


def test_values_cannot_inject_html_or_structure(tmp_path: Path) -> None:
    root = write_basic(tmp_path / "d")
    hostile = "<script>x</script>\n## Fake heading\n<!-- datacard: generated from the data -->"
    fill(root, {"summary": hostile}, {("uses", "tasks"): hostile})
    text = export(root)
    assert "<script>" not in text and "\n## Fake heading" not in text
    imported = parse_hf_card(text)
    assert imported["summary"] == hostile
    assert imported["datasheet"]["uses"]["tasks"] == {"answer": hostile}


# ---------------------------------------------------------------------------------------------
# The section mapping


def test_every_datasheet_question_has_exactly_one_place() -> None:
    placed = [key for _, keys in HF_SECTIONS for key in keys]
    every = [f"{section}.{q.id}" for section, questions in SECTIONS.items() for q in questions]
    assert sorted(placed) == sorted(every)
    assert len(placed) == len(set(placed))


def test_every_place_is_in_the_card(tmp_path: Path) -> None:
    text = export(write_basic(tmp_path / "d"))
    for place, _ in HF_SECTIONS:
        marker = f"- **{place}:**" if place == "Funded by" else f"# {place}\n"
        assert marker in text, place


# ---------------------------------------------------------------------------------------------
# Importing and round trips


def expected_import() -> dict[str, Any]:
    sheet: dict[str, dict[str, dict[str, str]]] = {}
    for (section, qid), text in ANSWERS.items():
        sheet.setdefault(section, {})[qid] = {"answer": text}
    return {**HUMAN, "datasheet": sheet}


def test_import_reads_back_every_human_field(tmp_path: Path) -> None:
    text = export(write_basic(tmp_path / "d"))
    assert parse_hf_card(text) == expected_import()


def test_round_trip_through_a_fresh_folder_is_byte_identical(tmp_path: Path) -> None:
    first = export(write_basic(tmp_path / "a"))
    readme = tmp_path / "README.md"
    readme.write_text(first, encoding="utf-8")
    fresh = tmp_path / "b"
    fresh.mkdir()
    for name in ("train.csv", "test.csv"):
        shutil.copy(tmp_path / "a" / name, fresh / name)
    init_card(fresh, label="label", workers=1)
    import_documentation("hf", readme, fresh)
    assert export(fresh) == first
    card = open_card(fresh).card
    assert card.datasheet["composition"]["count"].generated is False
    assert card.datasheet["composition"]["splits"].generated is True  # not imported
    assert card.measured is not None


def test_importer_class_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\npretty_name: X\r\n---\r\n# Dataset Card for Y\r\n")
    assert HfCardImporter().read(path) == {"name": "X"}
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(CardError, match="not UTF-8"):
        HfCardImporter().read(path)


WILD_CARD = """\
---
annotations_creators:
- crowdsourced
language:
- en
license: odbl
pretty_name: Street Signs
size_categories:
- 10K<n<100K
task_categories:
- image-classification
---

# Dataset Card for Street Signs

<!-- Provide a quick summary of the dataset. -->

Photos of street signs.

## Dataset Details

### Dataset Description

<!-- Provide a longer summary of what this dataset is. -->

Street Signs has 12,000 photos of road signs from three cities, labelled by sign type.
It is meant for small classification benchmarks.

- **Curated by:** Jane Roe, John Doe and the Signs Lab
- **Funded by [optional]:** The City Council
- **Shared by [optional]:** [More Information Needed]
- **Language(s) (NLP):** en
- **License:** ODbL

### Dataset Sources [optional]

<!-- Provide the basic links for the dataset. -->

- **Repository:** https://github.com/example/street-signs
- **Paper [optional]:** [Signs in the wild](https://arxiv.org/abs/2401.00001)
- **Demo [optional]:** [More Information Needed]

## Uses

### Direct Use

<!-- This section describes suitable use cases for the dataset. -->

Training and evaluating sign classifiers.

### Out-of-Scope Use

Do not use it to identify people or vehicles; faces and plates were blurred but not perfectly.

## Dataset Structure

Each example has `image`, `label` and `city`.

```python
# headings inside code are not headings
from datasets import load_dataset
```

## Dataset Creation

### Curation Rationale

[More Information Needed]

### Source Data

#### Data Collection and Processing

Photos taken from a car in 2021 and 2022, then cropped.

#### Who are the source data producers?

[More Information Needed]

### Annotations [optional]

#### Annotation process

Three annotators per image.

#### Personal and Sensitive Information

Faces and licence plates are blurred.

## Bias, Risks, and Limitations

Only three European cities; night photos are rare.

### Recommendations

@RECOMMENDATIONS@

## Citation [optional]

**BibTeX:**

```
@article{roe2024signs,
  title={Signs in the wild},
  author={Roe, Jane and Doe, John},
  year={2024}
}
```

**APA:**

[More Information Needed]

## Glossary [optional]

Sign: a road sign.

## Leaderboard

| model | accuracy |
| --- | --- |
| resnet | 0.9 |

## Dataset Card Contact

signs@example.org
""".replace(
    "@RECOMMENDATIONS@",
    "Users should be made aware of the risks, biases and limitations of the dataset. "
    "More information needed for further recommendations.",
)

WILD_EXPECTED: dict[str, Any] = {
    "name": "Street Signs",
    "summary": (
        "Street Signs has 12,000 photos of road signs from three cities, labelled by sign type.\n"
        "It is meant for small classification benchmarks."
    ),
    "license": "ODbL-1.0",
    "creators": [{"name": "Jane Roe"}, {"name": "John Doe"}, {"name": "the Signs Lab"}],
    "sources": [
        {"name": "Repository", "url": "https://github.com/example/street-signs"},
        {"name": "Paper", "url": "https://arxiv.org/abs/2401.00001"},
    ],
    "citation": (
        "@article{roe2024signs,\n  title={Signs in the wild},\n"
        "  author={Roe, Jane and Doe, John},\n  year={2024}\n}"
    ),
    "datasheet": {
        "motivation": {"funding": {"answer": "The City Council"}},
        "uses": {
            "tasks": {"answer": "Training and evaluating sign classifiers."},
            "out_of_scope": {
                "answer": "Do not use it to identify people or vehicles; faces and plates were "
                "blurred but not perfectly."
            },
            "impact": {"answer": "Only three European cities; night photos are rare."},
        },
        "composition": {
            "instances": {
                "answer": "Each example has `image`, `label` and `city`.\n\n```python\n"
                "# headings inside code are not headings\nfrom datasets import load_dataset\n```"
            },
            "sensitive": {"answer": "Faces and licence plates are blurred."},
        },
        "collection": {
            "process": {"answer": "Photos taken from a car in 2021 and 2022, then cropped."}
        },
        "maintenance": {"contact": {"answer": "signs@example.org"}},
    },
}


def test_import_a_card_from_the_wild() -> None:
    assert parse_hf_card(WILD_CARD) == WILD_EXPECTED


def test_a_card_from_the_wild_round_trips(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(WILD_CARD, encoding="utf-8")
    root = tmp_path / "d"
    root.mkdir()
    (root / "train.csv").write_text(TRAIN_CSV, encoding="utf-8")
    init_card(root, workers=1)
    import_documentation("hf", readme, root)
    first = export(root)
    assert parse_hf_card(first) == {**WILD_EXPECTED, "version": "0.1.0"}
    readme.write_text(first, encoding="utf-8")
    import_documentation("hf", readme, root)
    assert export(root) == first


def test_older_template_headings() -> None:
    text = (
        "---\nlicense: [mit]\n---\n# Dataset Card for Old\n\n## Dataset Description\n\n"
        "- **Homepage:** [https://old.example.org](https://old.example.org)\n"
        "- **Point of Contact:** [More Information Needed]\n\n"
        "### Dataset Summary\n\nAn old-style card.\n\n"
        "### Supported Tasks and Leaderboards\n\nQA.\n\n"
        "### Discussion of Biases\n\nSome.\n\n### Other Known Limitations\n\nMany.\n\n"
        "### Dataset Curators\n\nAlice and Bob\n\n"
        "### Citation Information\n\n```\n@misc{old}\n```\n"
    )
    assert parse_hf_card(text) == {
        "name": "Old",
        "summary": "An old-style card.",
        "license": "MIT",
        "creators": [{"name": "Alice"}, {"name": "Bob"}],
        "sources": [{"name": "Homepage", "url": "https://old.example.org"}],
        "citation": "@misc{old}",
        "datasheet": {"uses": {"tasks": {"answer": "QA."}, "impact": {"answer": "Some.\n\nMany."}}},
    }


def test_front_matter_is_loaded_safely() -> None:
    text = "---\npretty_name: !!python/object/apply:os.system ['echo hacked']\n---\n# x\n"
    with pytest.raises(CardError, match="not valid YAML"):
        parse_hf_card(text)
    with pytest.raises(CardError, match="not a mapping"):
        parse_hf_card("---\n- a list\n---\n")
    assert parse_hf_card("no metadata at all") == {}


# ---------------------------------------------------------------------------------------------
# Command line and doctests


def test_cli_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_basic(tmp_path / "d")
    out = tmp_path / "README.md"
    with pytest.raises(SystemExit) as exited:
        main(["export", str(root), "--format", "hf", "-o", str(out)])
    assert exited.value.code in (0, None)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(SystemExit) as exited:
        main(["import", "hf", str(out), str(fresh)])
    assert exited.value.code in (0, None)
    capsys.readouterr()
    assert open_card(fresh).card.summary == HUMAN["summary"]


def test_doctests() -> None:
    for module in (hf_module, importer_module):
        assert doctest.testmod(module).failed == 0


def test_citation_blank_lines_and_backticks_survive() -> None:
    citation = "@misc{a,\n\n\n  note = {``` and ~~~}\n}"
    text = HfCardRenderer().render(Card(name="c", citation=citation), [])
    assert parse_hf_card(text)["citation"] == citation
