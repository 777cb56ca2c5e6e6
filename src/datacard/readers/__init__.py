"""Readers turn files into Arrow record batches; see :mod:`datacard.readers.base`."""

from __future__ import annotations

import functools

from datacard.readers.base import Reader
from datacard.registry import lookup, names

__all__ = ["reader_for"]


@functools.cache
def reader_for(fmt: str) -> Reader:
    """The reader instance for a format name (``"csv"``, ``"tsv"``, ``"parquet"``, ...)."""
    for name in names("readers"):
        cls = lookup("readers", name)
        if fmt in cls.formats:
            reader: Reader = cls()
            return reader
    return lookup("readers", fmt)()  # type: ignore[no-any-return]  # raises "unknown reader"
