"""The JSON Schema of ``datacard.yaml``, generated from the pydantic :class:`~datacard.card.Card`.

Editors use it for completion and validation (e.g. ``# yaml-language-server: $schema=...``).
The committed copy is ``schema/datacard.schema.json``; regenerate it with
``python -m datacard.schema schema/datacard.schema.json`` (a test fails when it is stale).

>>> card_json_schema()["title"]
'datacard card'
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datacard.card import Card
from datacard.fileio import atomic_write

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def card_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that a card file, loaded as plain data, satisfies."""
    schema = Card.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "datacard card"
    return schema


def schema_text() -> str:
    """The schema as written to disk: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(card_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m datacard.schema OUT`` writes the schema to OUT (``-`` for stdout)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m datacard.schema OUT.json  (or - for stdout)", file=sys.stderr)
        return 2
    if args[0] == "-":
        sys.stdout.write(schema_text())
    else:
        atomic_write(Path(args[0]), schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
