"""Hashes depend only on the value: never on the array, slice or encoding it arrives in."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from datacard.hashing import NULL_HASH, hash_array

texts = st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=1, max_size=30)


@given(texts)
def test_string_hash_is_independent_of_its_neighbours(values: list[str | None]) -> None:
    together = hash_array(pa.array(values, pa.string()))
    for i, value in enumerate(values):
        alone = hash_array(pa.array([value], pa.string()))[0]
        assert together[i] == alone


@given(texts, st.integers(0, 29))
def test_slices_large_strings_and_dictionaries_hash_alike(
    values: list[str | None], cut: int
) -> None:
    arr = pa.array(values, pa.string())
    cut = min(cut, len(values) - 1)
    expected = hash_array(arr)
    assert (hash_array(arr.slice(cut)) == expected[cut:]).all()
    assert (hash_array(arr.cast(pa.large_string())) == expected).all()
    assert (hash_array(arr.dictionary_encode()) == expected).all()


@given(st.lists(st.binary(max_size=30), min_size=2, max_size=30, unique=True))
def test_distinct_values_get_distinct_hashes(values: list[bytes]) -> None:
    hashes = hash_array(pa.array(values, pa.binary()))
    assert len(set(hashes.tolist())) == len(values)


def test_numbers_hash_by_value() -> None:
    floats = hash_array(pa.array([0.0, -0.0, float("nan"), float("nan"), None, 1.0]))
    assert floats[0] == floats[1]
    assert floats[2] == floats[3]
    assert floats[4] == NULL_HASH
    assert floats[5] != floats[0]
    ints = hash_array(pa.array([1, 2, None, 1], pa.int64()))
    assert ints[0] == ints[3] and ints[0] != ints[1] and ints[2] == NULL_HASH
    narrow = hash_array(pa.array([1, 2], pa.int8()))
    assert (narrow == ints[:2]).all()


def test_empty_string_and_null_differ() -> None:
    hashes = hash_array(pa.array(["", None]))
    assert hashes[0] != hashes[1]
    assert hash_array(pa.array([], pa.string())).dtype == np.uint64
