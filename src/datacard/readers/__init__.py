"""Readers turn files into Arrow record batches; see :mod:`datacard.readers.base`."""

from __future__ import annotations

import functools

from datacard.readers.base import Reader
from datacard.registry import lookup, names

__all__ = ["reader_for"]

#: Formats read by a reader registered under another name.
ALIASES = {"tsv": "csv"}


@functools.cache
def reader_for(fmt: str) -> Reader:
    """The reader instance for a format name (``"csv"``, ``"tsv"``, ``"parquet"``, ...).

    A reader is found by its entry-point name first, then by the formats it declares.
    """
    name = ALIASES.get(fmt, fmt)
    if name in names("readers"):
        return lookup("readers", name)()  # type: ignore[no-any-return]
    for other in names("readers"):
        cls = lookup("readers", other)
        if fmt in cls.formats:
            reader: Reader = cls()
            return reader
    return lookup("readers", fmt)()  # type: ignore[no-any-return]  # raises "unknown reader"
