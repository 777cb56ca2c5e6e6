"""How Arrow types are named and grouped in a card (no compute kernels: cheap to import).

>>> import pyarrow as pa
>>> type_name(pa.dictionary(pa.int32(), pa.large_string())), kind_of(pa.int8())
('string', 'numeric')

Datacard's own extension types (``datacard.image``, ``datacard.audio``) are named without the
prefix, as type and as kind: ``image``, ``audio``.
"""

from __future__ import annotations

import pyarrow as pa


def _own_extension(t: pa.DataType) -> str | None:
    """``image`` for ``datacard.image`` (and so on); None for any other type."""
    if isinstance(t, pa.BaseExtensionType) and t.extension_name.startswith("datacard."):
        return str(t.extension_name).removeprefix("datacard.")
    return None


def type_name(t: pa.DataType) -> str:
    """How a column's type is written in the card (dictionaries by their value type)."""
    if (own := _own_extension(t)) is not None:
        return own
    if pa.types.is_dictionary(t):
        return type_name(t.value_type)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    return str(t)


def kind_of(t: pa.DataType) -> str:
    """The column kind: numeric, temporal, boolean, string, binary, list, struct, null, other
    (or image, audio)."""
    if (own := _own_extension(t)) is not None:
        return own
    if pa.types.is_dictionary(t):
        return kind_of(t.value_type)
    checks = (
        ("null", pa.types.is_null),
        ("boolean", pa.types.is_boolean),
        ("temporal", lambda x: pa.types.is_timestamp(x) or pa.types.is_date(x)),
        (
            "numeric",
            lambda x: (
                pa.types.is_integer(x)
                or pa.types.is_floating(x)
                or pa.types.is_decimal(x)
                or pa.types.is_duration(x)
                or pa.types.is_time(x)
            ),
        ),
        (
            "string",
            lambda x: (
                pa.types.is_string(x) or pa.types.is_large_string(x) or pa.types.is_string_view(x)
            ),
        ),
        (
            "binary",
            lambda x: (
                pa.types.is_binary(x)
                or pa.types.is_large_binary(x)
                or pa.types.is_fixed_size_binary(x)
                or pa.types.is_binary_view(x)
            ),
        ),
        (
            "list",
            lambda x: (
                pa.types.is_list(x)
                or pa.types.is_large_list(x)
                or pa.types.is_fixed_size_list(x)
                or pa.types.is_map(x)
            ),
        ),
        ("struct", pa.types.is_struct),
    )
    for kind, check in checks:
        if check(t):
            return kind
    return "other"
