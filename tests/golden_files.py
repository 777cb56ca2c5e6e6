"""Golden files for renderers: compare bytes, or rewrite them with DATACARD_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(relative: str, text: str) -> None:
    """``text`` equals ``tests/golden/<relative>`` byte for byte (rewritten when asked)."""
    path = GOLDEN / relative
    if os.environ.get("DATACARD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing; create it with DATACARD_UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == path.read_bytes(), (
        f"{path} differs; if the change is intended, regenerate it with DATACARD_UPDATE_GOLDEN=1"
    )
