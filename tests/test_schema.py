"""The committed JSON Schema is current and accepts what datacard writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from datacard.card import new_card
from datacard.measured import ColumnSummary, Measured, SplitSummary, TopValue
from datacard.schema import card_json_schema, main, schema_text
from datacard.yamlio import render_new_card

COMMITTED = Path(__file__).resolve().parents[1] / "schema" / "datacard.schema.json"
FIX = "regenerate it with: python -m datacard.schema schema/datacard.schema.json"


def _rendered_data() -> object:
    measured = Measured(
        generated_by="t",
        content_hash="h",
        splits_from="single file",
        label="y",
        splits={
            "train": SplitSummary(
                rows=3,
                duplicate_rows=0,
                columns={"y": ColumnSummary(type="string", kind="string", count=3, nulls=0)},
                label_balance=[TopValue(value="a", count=3)],
            )
        },
    )
    text = render_new_card(new_card("demo", "MIT", measured))
    return YAML(typ="safe", pure=True).load(text)


def test_committed_schema_is_current() -> None:
    assert COMMITTED.is_file(), FIX
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), FIX


def test_rendered_card_validates_against_the_schema() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(_rendered_data())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("policy", "tolerances", "null_fraction"), "lots"),
        (("policy", "tolerances", "rows"), -1),
        (("sumary",), "typo"),
        (("datasheet", "motivatoin"), {}),
    ],
)
def test_schema_rejects_what_the_model_rejects(path: tuple[str, ...], value: object) -> None:
    data = _rendered_data()
    target = data
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, card_json_schema(), cls=jsonschema.Draft202012Validator)


def test_module_main_writes_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    done = subprocess.run(
        [sys.executable, "-m", "datacard.schema", str(out)], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == schema_text()
    assert schema_text().endswith("}\n")
    assert main([]) == 2
