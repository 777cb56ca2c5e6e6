"""Hub-style repos: splits from the README's ``configs`` (real folders in tmp_path)."""

from __future__ import annotations

import doctest
import io
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datacard import layout_hub
from datacard.errors import SourceError
from datacard.layout import discover
from datacard.layout_hub import glob_regex, hub_config, hub_files


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a\n1\n")


def readme(root: Path, yaml: str, body: str = "# My dataset\n") -> None:
    (root / "README.md").write_text(f"---\n{yaml.strip()}\n---\n{body}", encoding="utf-8")


def error_of(root: Path) -> str:
    with pytest.raises(SourceError) as info:
        hub_files(root)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_doctests() -> None:
    assert doctest.testmod(layout_hub).failed == 0


@pytest.mark.parametrize(
    ("pattern", "rel", "matches"),
    [
        ("data/train-*", "data/train-00000-of-00002.parquet", True),
        ("data/*.csv", "data/x/a.csv", False),
        ("data/**/*.csv", "data/a.csv", True),
        ("data/**/*.csv", "data/x/y/a.csv", True),
        ("**", "a/b/c.csv", True),
        ("./data/a?.csv", "data/ab.csv", True),
        ("data/a?.csv", "data/a/.csv", False),
        ("data/[!x]*.csv", "data/a.csv", True),
        ("data/[!x]*.csv", "data/x.csv", False),
        ("data/a+b (1).csv", "data/a+b (1).csv", True),
        ("data/train.csv", "data/train.csv.bak", False),
    ],
)
def test_glob_semantics_follow_the_hub(pattern: str, rel: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).fullmatch(rel)) is matches


def test_configs_with_split_and_path_globs(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "data/test-00000-of-00001.parquet",
        "extra/held_out.csv",
        "scripts/build.csv",
    )
    readme(
        tmp_path,
        """
license: mit
configs:
- config_name: default
  data_files:
  - split: train
    path: "data/train-*.parquet"
  - split: test
    path:
    - "data/test-*"
    - extra/*.csv
""",
    )
    assert hub_files(tmp_path) == {
        "data/train-00000-of-00002.parquet": "train",
        "data/train-00001-of-00002.parquet": "train",
        "data/test-00000-of-00001.parquet": "test",
        "extra/held_out.csv": "test",
    }
    config = hub_config(tmp_path)
    assert config is not None and config.name == "default" and config.notes == ()


def test_short_forms_of_data_files(tmp_path: Path) -> None:
    touch(tmp_path, "data/a.csv", "data/b.csv", "test/c.jsonl", "test/deep/d.jsonl")
    readme(tmp_path, 'configs:\n- config_name: default\n  data_files: "data/*.csv"')
    assert hub_files(tmp_path) == {"data/a.csv": "train", "data/b.csv": "train"}
    readme(tmp_path, "configs:\n- data_files: {train: data/*.csv, dev: 'test/**/*.jsonl'}")
    assert hub_files(tmp_path) == {
        "data/a.csv": "train",
        "data/b.csv": "train",
        "test/c.jsonl": "dev",
        "test/deep/d.jsonl": "dev",
    }
    readme(tmp_path, "configs:\n- config_name: x\n  data_files: [data/a.csv, data/b.csv]")
    assert hub_files(tmp_path) == {"data/a.csv": "train", "data/b.csv": "train"}


def test_several_configs_measure_the_default_and_say_so(tmp_path: Path) -> None:
    touch(tmp_path, "en/train.csv", "fr/train.csv", "fr/test.csv")
    configs = """
configs:
- config_name: en
  data_files: en/*.csv
- config_name: {name}
  {marker}data_dir: fr
  data_files:
  - split: train
    path: train.csv
  - split: test
    path: test.csv
"""
    readme(tmp_path, configs.format(name="fr", marker=""))
    config = hub_config(tmp_path)
    assert config is not None and config.name == "en"
    assert config.files == {"en/train.csv": "train"}
    assert config.notes == (
        "README.md declares 2 configs (en, fr); measured 'en' (the first); "
        "pass --split NAME=GLOB to measure another",
    )
    readme(tmp_path, configs.format(name="default", marker=""))
    config = hub_config(tmp_path)
    assert config is not None and config.name == "default" and "(named default)" in config.notes[0]
    assert config.files == {"fr/train.csv": "train", "fr/test.csv": "test"}
    readme(tmp_path, configs.format(name="fr", marker="default: true\n  "))
    config = hub_config(tmp_path)
    assert config is not None and config.name == "fr" and "(marked default)" in config.notes[0]


def test_data_dir_alone_infers_splits_under_it(tmp_path: Path) -> None:
    touch(tmp_path, "v2/train.csv", "v2/valid/x.csv", "v2/other.csv", "v1/test.csv")
    readme(tmp_path, "configs:\n- config_name: default\n  data_dir: v2")
    assert hub_files(tmp_path) == {
        "v2/train.csv": "train",
        "v2/valid/x.csv": "validation",
        "v2/other.csv": "train",
    }


def test_no_configs_means_no_opinion(tmp_path: Path) -> None:
    touch(tmp_path, "train.csv")
    assert hub_files(tmp_path) is None  # no README
    (tmp_path / "README.md").write_text("# Just a title\n\n---\nconfigs: []\n---\n")
    assert hub_files(tmp_path) is None  # a block later in the text is not front matter
    readme(tmp_path, "license: mit\npretty_name: Demo")
    assert hub_files(tmp_path) is None
    (tmp_path / "README.md").write_text("---\n---\n# Empty block\n")
    assert hub_files(tmp_path) is None


def test_every_matched_file_is_returned_and_discover_keeps_the_data(tmp_path: Path) -> None:
    touch(tmp_path, "data/a.csv", "data/notes.txt", "other/b.csv", "other/c.csv")
    readme(
        tmp_path,
        "configs:\n- config_name: default\n  data_files:\n"
        "  - split: train\n    path: data/*\n  - split: eval\n    path: other/b.csv",
    )
    assert hub_files(tmp_path) == {
        "data/a.csv": "train",
        "data/notes.txt": "train",
        "other/b.csv": "eval",
    }
    layout = discover(tmp_path)
    assert {f.rel: f.split for f in layout.files} == {"data/a.csv": "train", "other/b.csv": "eval"}
    assert [rel for rel, _ in layout.skipped] == ["other/c.csv"]


def test_webdataset_shards_declared_in_the_readme(tmp_path: Path) -> None:
    for name in ["shards/a-000.tar", "shards/a-001.tar", "shards/b-000.tar"]:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        with tarfile.open(path, "w") as tar:
            info = tarfile.TarInfo("s0.txt")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
    readme(tmp_path, "configs:\n- data_files: {train: 'shards/a-*.tar', test: 'shards/b-*.tar'}")
    layout = discover(tmp_path)
    assert {f.rel: (f.split, f.format) for f in layout.files} == {
        "shards/a-000.tar": ("train", "webdataset"),
        "shards/a-001.tar": ("train", "webdataset"),
        "shards/b-000.tar": ("test", "webdataset"),
    }


def test_links_out_of_the_root_and_hidden_files_are_not_matched(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "secret"
    touch(outside, "leak.csv")
    touch(root, "data/a.csv", "data/.hidden.csv", ".git/data/b.csv")
    (root / "data" / "leak.csv").symlink_to(outside / "leak.csv")
    (root / "data" / "alias.csv").symlink_to(root / "data" / "a.csv")
    (root / "data" / "linked").symlink_to(outside)
    readme(root, "configs:\n- config_name: default\n  data_files: '**/*.csv'")
    assert hub_files(root) == {"data/a.csv": "train", "data/alias.csv": "train"}


def test_yaml_tags_are_never_constructed(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv")
    canary = tmp_path / "ran"
    readme(
        tmp_path,
        f"evil: !!python/object/apply:os.system ['touch {canary}']\n"
        "configs:\n- config_name: default\n  data_files: a.csv",
    )
    assert hub_files(tmp_path) == {"a.csv": "train"}
    assert not canary.exists()


# -- errors name README.md and the line ---------------------------------------------------------


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv")
    (tmp_path / "README.md").write_text(
        "---\nlicense: mit\nconfigs:\n- config_name: default\n  data_files: [a.csv\n---\n# x\n"
    )
    text = error_of(tmp_path)
    assert text.startswith("README.md:5: the YAML block is not valid YAML")


def test_malformed_configs_name_the_line(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv")
    readme(tmp_path, "configs:\n- config_name: default\n  data_files:\n  - split: train\n")
    assert error_of(tmp_path).startswith("README.md:5: a data_files entry needs a 'path'")
    readme(tmp_path, "configs: data/*.csv")
    assert error_of(tmp_path).startswith("README.md:2: 'configs' must be a list of configs")
    readme(
        tmp_path, "configs:\n- config_name: x\n  data_files:\n  - split: train\n    path: [1, {}]"
    )
    assert error_of(tmp_path).startswith("README.md:6: path must be a non-empty string")
    readme(tmp_path, "configs:\n- config_name: x\n  default: false")
    assert error_of(tmp_path).startswith("README.md:3: config 'x' has no data_files")
    (tmp_path / "README.md").write_text("---\n- a\n- b\n---\n")
    assert error_of(tmp_path).startswith("README.md:2: the YAML block is not a mapping")


def test_a_pattern_matching_nothing_names_its_line(tmp_path: Path) -> None:
    touch(tmp_path, "data/train.csv")
    readme(
        tmp_path,
        "configs:\n- config_name: default\n  data_files:\n"
        "  - split: train\n    path: data/train.csv\n  - split: test\n    path: data/test*.csv",
    )
    text = error_of(tmp_path)
    assert text.startswith(
        "README.md:8: config 'default', split 'test': pattern 'data/test*.csv' matches no file"
    )


def test_a_file_in_two_splits_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "data/all.csv")
    readme(
        tmp_path,
        "configs:\n- config_name: default\n  data_files: {train: 'data/*', test: 'data/*'}",
    )
    text = error_of(tmp_path)
    assert text.startswith("README.md:4: 'data/all.csv' is in split 'train' and in split 'test'")


def test_a_readme_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(b"---\nlicense: mit\npretty_name: caf\xe9\n---\n")
    assert error_of(tmp_path).startswith("README.md:3: byte 0xE9 is not valid UTF-8")


# -- the plain data/ folder convention needs no README -----------------------------------------


def test_the_data_folder_convention_uses_file_name_splits(tmp_path: Path) -> None:
    table = pa.table({"x": [1, 2]})
    for name in ["train-00000-of-00002", "train-00001-of-00002", "test-00000-of-00001"]:
        (tmp_path / "data").mkdir(exist_ok=True)
        pq.write_table(table, tmp_path / "data" / f"{name}.parquet")
    readme(tmp_path, "license: mit")  # a Hub card without configs
    layout = discover(tmp_path)
    assert layout.splits_from == "file names"
    assert {f.rel: f.split for f in layout.files} == {
        "data/train-00000-of-00002.parquet": "train",
        "data/train-00001-of-00002.parquet": "train",
        "data/test-00000-of-00001.parquet": "test",
    }
