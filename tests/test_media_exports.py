"""Image and audio datasets in the exports: the Hugging Face card (read back by ``datasets``),
Croissant (validated and read by mlcroissant) and the HTML report's columns section."""

from __future__ import annotations

import doctest
import json
import logging
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # datasets and mlcroissant read local files only
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets
import mlcroissant as mlc
import numpy as np
import pytest
import soundfile as sf
from huggingface_hub import DatasetCard
from PIL import Image

import datacard.render.croissant as croissant_module
import datacard.render.hf as hf_module
from card_fixtures import fill
from datacard.render.html import media_of
from datacard.workflow import init_card, open_card, render

pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning:rdflib.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:mlcroissant.*"),
]

HUMAN: dict[str, Any] = {
    "name": "pets <b>",
    "license": "CC-BY-4.0",
    "citation": "@misc{pets, title={Pets}}",
}
ANSWERS = {("distribution", "when"): "2024-06-01"}
#: A file name that is HTML (no slash, so it is a valid file name).
HOSTILE = "<img src=x onerror=alert(1)>.png"


def photo(seed: int, size: int = 48) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return Image.fromarray(small).resize((size, size + seed % 3), Image.Resampling.BICUBIC)


def pixels(paths: list[Path]) -> np.ndarray:
    """Every pixel of the images, as (n, 3) values in [0, 1]."""
    arrays = []
    for path in paths:
        with Image.open(path) as image:
            arrays.append(np.asarray(image.convert("RGB"), np.float64).reshape(-1, 3))
    return np.concatenate(arrays) / 255


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def pets(root: Path, *, corrupt: bool = False) -> dict[str, list[Path]]:
    """train/{cat,dog}: 4 PNGs and 2 JPEGs; test/{cat,dog}: 2 PNGs (and a corrupt file)."""
    made: dict[str, list[Path]] = {"train": [], "test": []}
    for split, count in (("train", 6), ("test", 2)):
        for i in range(count):
            suffix = ".jpg" if split == "train" and i >= 4 else ".png"
            path = root / split / ("cat" if i % 2 else "dog") / f"{split}{i}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            photo(i + (0 if split == "train" else 50)).save(path, quality=90)
            made[split].append(path)
    if corrupt:
        (root / "test" / "cat" / HOSTILE).write_bytes(b"not an image")
    return made


def measured(root: Path) -> Path:
    init_card(root, workers=1)
    fill(root, HUMAN, ANSWERS)
    return root


def text(root: Path, fmt: str) -> str:
    content, _ = render(root, fmt)
    assert isinstance(content, str)
    return content


# ---------------------------------------------------------------------------------------------
# Hugging Face


def test_hf_card_of_an_image_dataset_loads_with_datasets(tmp_path: Path) -> None:
    root = tmp_path / "pets"
    made = pets(root)
    card = text(measured(root), "hf")
    data = DatasetCard(card).data.to_dict()
    assert data["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": ["train/**"]},
                {"split": "test", "path": ["test/**"]},
            ],
        }
    ]
    assert data["dataset_info"]["features"] == [
        {"name": "image", "dtype": "image"},
        {"name": "label", "dtype": {"class_label": {"names": {"0": "cat", "1": "dog"}}}},
    ]
    (root / "README.md").write_text(card, encoding="utf-8")
    loaded = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert {name: split.num_rows for name, split in loaded.items()} == {"train": 6, "test": 2}
    assert loaded["train"].features["label"] == datasets.ClassLabel(names=["cat", "dog"])
    assert isinstance(loaded["train"].features["image"], datasets.Image)
    labels = sorted(loaded["train"]["label"])
    assert labels == [0, 0, 0, 1, 1, 1]
    # the card text lists the normalisation constants, as numpy computes them
    every = pixels(made["train"])
    mean = ", ".join(f"{x:.3f}" for x in every.mean(axis=0))
    std = ", ".join(f"{x:.3f}" for x in every.std(axis=0))
    line = f"- **Normalisation constants (R, G, B):** `mean=({mean}) std=({std})`"
    assert line in card.splitlines()
    assert "- **Formats:** PNG (4), JPEG (2)" in card.splitlines()


def test_hf_card_of_class_folders_at_the_root(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    for i in range(4):
        path = root / ("a" if i % 2 else "b") / f"{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        photo(i).save(path)
    card = text(measured(root), "hf")
    data = DatasetCard(card).data.to_dict()
    assert data["configs"][0]["data_files"] == [{"split": "train", "path": ["**"]}]
    (root / "README.md").write_text(card, encoding="utf-8")
    loaded = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].num_rows == 4  # datacard.yaml, README.md are not images
    assert loaded["train"].features["label"].names == ["a", "b"]


def test_more_classes_than_top_values_are_still_class_labels(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(12):
        path = root / f"class{i:02d}" / "x.png"
        path.parent.mkdir(parents=True)
        photo(i, 8).save(path)
    card = text(measured(root), "hf")
    features = DatasetCard(card).data.to_dict()["dataset_info"]["features"]
    # a column's top keeps 10 values; the label balance keeps every class (up to 256)
    names = {str(i): f"class{i:02d}" for i in range(12)}
    assert features[1] == {"name": "label", "dtype": {"class_label": {"names": names}}}
    # twelve tiny images: the card keeps the first ten names; the report says how many more
    assert "- **tiny files:** 12 (class00/x.png, " in card
    page = text(root, "html")
    assert "Images under 32 pixels on the shorter side: 12" in page
    assert "<li><code>class09/x.png</code></li>\n<li>… and 2 more</li>" in page


def clip(path: Path, freq: float, rate: int = 8_000, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(rate * seconds)) / rate
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), rate, subtype="PCM_16")


def speech(root: Path) -> Path:
    for split, freqs in (("train", (300, 400, 500)), ("test", (600,))):
        for f in freqs:
            clip(root / split / ("yes" if f % 200 else "no") / f"{f}.wav", f)
    silent = root / "train" / "no" / "silent.wav"
    sf.write(silent, np.zeros(4_000), 8_000, subtype="PCM_16")
    return root


def test_hf_card_of_an_audio_dataset(tmp_path: Path) -> None:
    from datasets.info import DatasetInfosDict

    root = measured(speech(tmp_path / "speech"))
    card = text(root, "hf")
    data = DatasetCard(card).data
    info = DatasetInfosDict.from_dataset_card_data(data)["default"]
    assert info.features is not None
    assert info.features["audio"] == datasets.Audio(sampling_rate=8_000)
    assert info.features["label"] == datasets.ClassLabel(names=["no", "yes"])
    assert data.to_dict()["configs"][0]["data_files"][0] == {"split": "train", "path": ["train/**"]}
    lines = card.splitlines()
    assert "- **Clips:** 4, 2 s in total" in lines
    assert "- **Sample rates:** 8,000 Hz (4)" in lines
    assert "- **silent files:** 1 (train/no/silent.wav)" in lines
    assert "Normalisation constants" not in card


# ---------------------------------------------------------------------------------------------
# Croissant


def validated(path: Path, caplog: pytest.LogCaptureFixture) -> mlc.Dataset:
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=path)
    assert dataset.metadata.ctx.issues.errors == set()
    assert dataset.metadata.ctx.issues.warnings == set()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    return dataset


def test_croissant_of_an_image_dataset_validates_and_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "pets"
    made = pets(root)
    path = root / "croissant.json"
    path.write_text(text(measured(root), "croissant"), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    file_sets = {d["name"]: d for d in doc["distribution"]}
    assert {d["@type"] for d in file_sets.values()} == {"cr:FileSet"}
    assert file_sets["train/"]["encodingFormat"] == ["image/png", "image/jpeg"]
    assert file_sets["test/"]["encodingFormat"] == "image/png"
    assert file_sets["test/"]["includes"] == ["test/**/*.png", "test/**/*.PNG"]
    train = next(rs for rs in doc["recordSet"] if rs["@id"] == "train")
    fields = {f["name"]: f for f in train["field"]}
    assert fields["image"]["dataType"] == "sc:ImageObject"
    assert fields["image"]["source"]["extract"] == {"fileProperty": "content"}
    assert fields["label"]["source"]["extract"] == {"fileProperty": "fullpath"}
    assert "regex" in fields["label"]["source"]["transform"]

    dataset = validated(path, caplog)
    with caplog.at_level(logging.WARNING):
        for split, files in made.items():
            records = list(dataset.records(record_set=split))
            assert len(records) == len(files)
            assert sorted(r[f"{split}/label"] for r in records) == sorted(
                f.parent.name.encode() for f in files
            )
            assert {r[f"{split}/split"] for r in records} == {split.encode()}
            sizes = sorted(r[f"{split}/image"].size for r in records)
            assert sizes == sorted(size_of(f) for f in files)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_croissant_of_images_with_captions(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "captions"
    (root / "train").mkdir(parents=True)
    for i in range(3):
        photo(i).save(root / "train" / f"{i}.png")
    lines = ["file_name,caption"] + [f"{i}.png,picture {i}" for i in range(3)]
    (root / "train" / "metadata.csv").write_text("\n".join(lines) + "\n")
    path = root / "croissant.json"
    path.write_text(text(measured(root), "croissant"), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    (file_set,) = doc["distribution"]
    assert file_set["includes"] == ["train/*.png", "train/*.PNG"]  # not metadata.csv
    train = next(rs for rs in doc["recordSet"] if rs["@id"] == "train")
    assert [f["name"] for f in train["field"]] == ["image", "split"]
    assert "'caption'" in train["description"]
    dataset = validated(path, caplog)
    assert len(list(dataset.records(record_set="train"))) == 3


def test_croissant_of_an_audio_dataset_validates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = measured(speech(tmp_path / "speech"))
    path = root / "croissant.json"
    path.write_text(text(root, "croissant"), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    train_files = next(d for d in doc["distribution"] if d["name"] == "train/")
    assert train_files["encodingFormat"] == "audio/wav"
    assert train_files["includes"] == ["train/**/*.wav", "train/**/*.WAV"]
    train = next(rs for rs in doc["recordSet"] if rs["@id"] == "train")
    assert {f["name"]: f["dataType"] for f in train["field"]} == {
        "audio": "sc:AudioObject",
        "label": "sc:Text",
        "split": "sc:Text",
    }
    validated(path, caplog)


def test_splits_dividing_one_folder_use_their_globs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "shared"
    (root / "images").mkdir(parents=True)
    for i in range(3):
        photo(i).save(root / "images" / f"fit_{i}.png")
    photo(7).save(root / "images" / "holdout_0.png")
    splits = {"fit": ["images/fit_*"], "holdout": ["images/holdout_*"]}
    init_card(root, splits=splits, workers=1)
    fill(root, HUMAN, ANSWERS)
    data_files = DatasetCard(text(root, "hf")).data.to_dict()["configs"][0]["data_files"]
    assert data_files == [
        {"split": "fit", "path": ["images/fit_*"]},
        {"split": "holdout", "path": ["images/holdout_*"]},
    ]
    path = root / "croissant.json"
    path.write_text(text(root, "croissant"), encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(d["includes"] for d in doc["distribution"]) == [
        ["images/fit_*"],
        ["images/holdout_*"],
    ]
    dataset = validated(path, caplog)
    assert len(list(dataset.records(record_set="fit"))) == 3


# ---------------------------------------------------------------------------------------------
# HTML report


def test_report_shows_image_statistics_and_constants(tmp_path: Path) -> None:
    root = tmp_path / "pets"
    made = pets(root, corrupt=True)
    page = text(measured(root), "html")
    every = pixels(made["train"])
    mean = ", ".join(f"{x:.3f}" for x in every.mean(axis=0))
    std = ", ".join(f"{x:.3f}" for x in every.std(axis=0))
    assert f'<pre class="constants"><code>mean=({mean}) std=({std})</code></pre>' in page
    assert "<caption>Images in train</caption>" in page
    assert "PNG 66.7% · JPEG 33.3%" in page
    assert "with EXIF data" in page and "width (pixels)" in page
    # the corrupt file is listed, escaped
    assert "Files that cannot be decoded: 1" in page
    assert "<li><code>test/cat/&lt;img src=x onerror=alert(1)&gt;.png</code></li>" in page
    assert "<img src=x" not in page
    assert "pets &lt;b&gt;" in page


def test_report_shows_audio_statistics(tmp_path: Path) -> None:
    root = measured(speech(tmp_path / "speech"))
    page = text(root, "html")
    assert "<caption>Audio clips in train</caption>" in page
    assert "total duration" in page and "2 seconds" in page
    assert "8,000 Hz 100%" in page
    assert "silence (share of 10 ms windows below −60 dBFS)" in page
    assert "Silent clips (at least 99% silence): 1" in page
    assert "<li><code>train/no/silent.wav</code></li>" in page
    assert "Normalisation constants" not in page


def test_grayscale_constants_have_one_channel(tmp_path: Path) -> None:
    root = tmp_path / "gray"
    (root / "train").mkdir(parents=True)
    for i in range(2):
        photo(i).convert("L").save(root / "train" / f"{i}.png")
    init_card(root, workers=1)
    card = open_card(root).card
    assert card.measured is not None
    view = media_of(card.measured.splits["train"].columns["image"])
    assert view is not None and view.constants is not None
    assert view.constants.startswith("mean=(0.") and view.constants.endswith(",)")
    assert [c for c, _, _ in view.channels] == ["L"]


def test_doctests() -> None:
    for module in (hf_module, croissant_module):
        assert doctest.testmod(module).failed == 0
