"""MinHash over word shingles, vectorised: tokens, signatures, LSH candidate pairs.

Texts become sets of shingle hashes (:func:`shingle_hashes`), sets become MinHash signatures by
one-permutation hashing with optimal densification (:func:`signatures`), signatures become
candidate pairs by banding (:func:`lsh_candidates`), and :func:`jaccard_estimate` estimates the
Jaccard similarity of two documents from their signatures. No step loops over documents in
Python: every step is a handful of numpy passes over the flat arrays.

>>> import pyarrow as pa
>>> texts = pa.array(["the cat sat on the mat", "The cat sat on the mat!", "", "a dog"])
>>> offsets, hashes = shingle_hashes(texts)
>>> offsets.tolist()  # 5 distinct words, 5 again, none, 2
[0, 5, 10, 10, 12]
>>> sig = signatures(offsets, hashes, num_perm=64)
>>> jaccard_estimate(sig[0], sig[1]).item(), jaccard_estimate(sig[0], sig[3]).item()
(1.0, 0.0)
>>> lsh_candidates(sig, bands=8, rows=8).tolist()
[[0, 1]]

Tokens are NFKC-normalised, lower-cased (``ß`` becomes ``ss``) runs of letters, digits and
underscores; every character of a script written without spaces (Han, kana, Thai, Lao, Khmer,
Myanmar) is a token of its own, so CJK text gets character shingles.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import int64_array, string_bytes
from datacard.hashing import mix64

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: The signature value of an empty document (no shingles): it matches nothing.
EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
#: The same sentinel for signatures narrowed to uint32.
EMPTY32 = np.uint32(0xFFFFFFFF)

_DOC_BITS = 24  # documents per call: up to 2**24; shingle hashes keep 40 bits
_HASH_BITS = 64 - _DOC_BITS
_LOW = np.uint64((1 << _HASH_BITS) - 1)
_P = np.uint64(0x100000001B3)
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xD6E8FEB86659FD93)

# Code point ranges of non-ASCII characters that separate words (punctuation, symbols, spaces)
# or that form tokens of their own (scripts written without spaces). Class per range start:
# 0 separator, 1 word character, 2 token of its own.
_RANGES = np.array(
    [
        (0x80, 0),  # C1 controls, Latin-1 punctuation and symbols
        (0xAA, 1),  # ª
        (0xAB, 0),
        (0xB2, 1),  # ² ³ (NFKC folds them anyway)
        (0xB4, 0),
        (0xB5, 1),  # µ
        (0xB6, 0),
        (0xB9, 1),  # ¹ º
        (0xBB, 0),
        (0xBC, 1),  # fractions, then Latin-1 letters
        (0xD7, 0),  # ×
        (0xD8, 1),
        (0xF7, 0),  # ÷
        (0xF8, 1),
        (0x0E00, 2),  # Thai, Lao
        (0x0F00, 1),
        (0x1000, 2),  # Myanmar
        (0x10A0, 1),
        (0x1780, 2),  # Khmer
        (0x1800, 1),
        (0x2000, 0),  # general punctuation, super/subscripts, currency, symbols, arrows, ...
        (0x2C00, 1),
        (0x2E00, 0),  # supplemental punctuation
        (0x2E80, 2),  # CJK radicals, ... , kana, CJK ideographs, Yi
        (0x3000, 0),  # CJK symbols and punctuation
        (0x3040, 2),
        (0xA4D0, 1),
        (0xF900, 2),  # CJK compatibility ideographs
        (0xFB00, 1),
        (0xFE10, 0),  # vertical forms, small forms, ...
        (0xFE70, 1),
        (0xFF00, 0),  # full-width punctuation (most are folded by NFKC)
        (0xFF10, 1),
        (0x1F000, 0),  # emoji, symbols
        (0x20000, 2),  # CJK extension planes
        (0x30000, 1),
    ],
    dtype=np.int64,
)


def shingle_hashes(texts: pa.Array, shingle: int = 1) -> tuple[I64, U64]:
    """Per document, the distinct hashes of its normalised token shingles.

    Returns ``(offsets, hashes)``: document ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``
    (sorted, distinct). A shingle is ``shingle`` consecutive tokens; a document with fewer
    tokens than that has one shingle of all its tokens. Nulls and texts without a letter or digit
    have no shingles. The same shingle hashes the same in every document, call and process.

    >>> offsets, hashes = shingle_hashes(pa.array(["a b a", "b a b"]), shingle=2)
    >>> offsets.tolist(), sorted(hashes[:2].tolist()) == sorted(hashes[2:].tolist())
    ([0, 2, 4], True)
    """
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1, got {shingle}")
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if pa.types.is_large_string(texts.type) or pa.types.is_string_view(texts.type):
        texts = texts.cast(pa.large_string())
    elif not pa.types.is_string(texts.type):
        raise TypeError(f"shingle_hashes needs a string array, got {texts.type}")
    n = len(texts)
    if n >= 1 << _DOC_BITS:
        raise ValueError(f"at most {1 << _DOC_BITS} texts per call, got {n}")
    if n == 0:
        return np.zeros(1, np.int64), np.zeros(0, np.uint64)
    if texts.null_count:
        texts = pc.if_else(pc.is_valid(texts), texts, "")
    offsets, data = string_bytes(texts)
    docs, token_hashes = _tokens_ascii_or_unicode(texts, offsets, data)
    doc_of, hashes = _shingles(docs, token_hashes, shingle)
    key = (doc_of.astype(np.uint64) << np.uint64(_HASH_BITS)) | (hashes >> np.uint64(_DOC_BITS))
    key.sort()
    if len(key):
        keep = np.empty(len(key), bool)
        keep[0] = True
        np.not_equal(key[1:], key[:-1], out=keep[1:])
        key = key[keep]
    doc_sorted = (key >> np.uint64(_HASH_BITS)).astype(np.int64)
    out_offsets = np.searchsorted(doc_sorted, np.arange(n + 1), side="left").astype(np.int64)
    return out_offsets, mix64(key & _LOW)


def _tokens_ascii_or_unicode(
    texts: pa.Array, offsets: I64, data: npt.NDArray[np.uint8]
) -> tuple[I64, U64]:
    """Token hashes and their documents, in document order; ASCII texts take a fast path."""
    if not len(data) or int(data.max()) < 0x80:
        return _tokenize(*string_bytes(pc.ascii_lower(texts)), None)
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    high = np.zeros(len(lengths), bool)
    high[nonempty] = np.maximum.reduceat(data, offsets[:-1][nonempty]) >= 0x80
    uni = np.flatnonzero(high)
    asc = np.flatnonzero(~high)
    parts_doc: list[I64] = []
    parts_hash: list[U64] = []
    if len(asc):
        sub = pc.ascii_lower(texts.take(int64_array(asc)))
        d, h = _tokenize(*string_bytes(sub), None)
        parts_doc.append(asc[d])
        parts_hash.append(h)
    sub = texts.take(int64_array(uni))
    sub = pc.utf8_lower(pc.utf8_normalize(sub, "NFKC"))
    sub = pc.replace_substring(sub, "ß", "ss")
    sub_offsets, sub_data = string_bytes(sub)
    d, h = _tokenize(sub_offsets, sub_data, _codepoint_classes(sub_data))
    parts_doc.append(uni[d])
    parts_hash.append(h)
    return np.concatenate(parts_doc), np.concatenate(parts_hash)


def _ascii_word(lower: npt.NDArray[np.uint8]) -> Bools:
    """True at bytes of lower-case ASCII letters, digits and underscores."""
    tmp = np.subtract(lower, np.uint8(97))
    word = np.less(tmp, np.uint8(26))
    np.subtract(lower, np.uint8(48), out=tmp)
    more = np.less(tmp, np.uint8(10))
    word |= more
    np.equal(lower, np.uint8(95), out=more)
    word |= more
    return word


def _codepoint_classes(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.int8]:
    """Per byte of UTF-8 ``data``: 0 separator, 1 word, 2 token of its own, -1 continuation."""
    lead = (data & 0xC0) != 0x80
    cls = np.full(len(data), -1, np.int8)
    pos = np.flatnonzero(lead)
    b = data[pos]
    ascii_ = b < 0x80
    cls[pos[ascii_]] = _ascii_word(b[ascii_])
    multi = pos[~ascii_]
    lead_b = data[multi].astype(np.int64)
    padded = np.zeros(len(data) + 4, np.int64)
    padded[: len(data)] = data
    c1 = padded[multi + 1] & 0x3F
    c2 = padded[multi + 2] & 0x3F
    c3 = padded[multi + 3] & 0x3F
    cp = np.where(
        lead_b < 0xE0,
        ((lead_b & 0x1F) << 6) | c1,
        np.where(
            lead_b < 0xF0,
            ((lead_b & 0x0F) << 12) | (c1 << 6) | c2,
            ((lead_b & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3,
        ),
    )
    which = np.searchsorted(_RANGES[:, 0], cp, side="right") - 1
    cls[multi] = _RANGES[which, 1]
    return cls


def _tokenize(
    offsets: I64, data: npt.NDArray[np.uint8], classes: npt.NDArray[np.int8] | None
) -> tuple[I64, U64]:
    """Token hashes (of the token bytes) and the document of each token."""
    n_bytes = len(data)
    if not n_bytes:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if classes is None:  # ASCII: one byte per character, no unspaced scripts
        word = _ascii_word(data)
        own = None
        char_start = word
    else:
        is_char = classes >= 0
        # a continuation byte belongs to its lead byte's character: carry the class forward
        char_cls = classes[np.maximum.accumulate(np.where(is_char, np.arange(n_bytes), 0))]
        word = char_cls > 0
        own = char_cls == 2
        char_start = is_char & word
    doc_first = offsets[:-1][np.diff(offsets) > 0]
    doc_last = offsets[1:][np.diff(offsets) > 0] - 1
    # a token starts at a word byte after a non-word byte or at the start of a document...
    starts = np.empty(n_bytes, bool)
    starts[0] = word[0]
    np.greater(word[1:], word[:-1], out=starts[1:])
    starts[doc_first] = word[doc_first]
    if own is not None:
        # ...and at every character of an unspaced script, and after one.
        starts |= char_start & own
        starts[1:] |= char_start[1:] & own[:-1]
    # a token ends before a non-word byte, a token start or the end of a document
    ends = np.empty(n_bytes, bool)
    ends[-1] = word[-1]
    np.greater(word[:-1], word[1:], out=ends[:-1])
    ends[:-1] |= word[:-1] & starts[1:]
    ends[doc_last] = word[doc_last]
    first = np.flatnonzero(starts)
    last = np.flatnonzero(ends)
    hashes = _hash_spans(data, first, last + 1 - first)
    per_doc = np.diff(np.searchsorted(first, offsets, side="left"))
    doc = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), per_doc)
    return doc, hashes


_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], np.uint64)


def _hash_spans(data: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> U64:
    """64-bit hashes of the byte spans ``data[s:s + n]``, 8 bytes per step (vectorised)."""
    padded = np.zeros(len(data) + 8, np.uint8)
    padded[: len(data)] = data
    # an unaligned view: words[i] is the 8 bytes starting at byte i
    words = np.ndarray(shape=(len(data) + 1,), dtype=np.uint64, buffer=padded, strides=(1,))
    h = lengths.astype(np.uint64) * _K1 + _P
    h = mix64(h ^ (words[starts] & _MASKS[np.minimum(lengths, 8)]))
    longest = int(lengths.max()) if len(lengths) else 0
    active = np.arange(len(lengths))
    for j in range(8, longest, 8):
        active = active[lengths[active] > j]
        word = words[starts[active] + j] & _MASKS[np.minimum(lengths[active] - j, 8)]
        h[active] = (h[active] ^ word) * _P
    return mix64(h)


def _shingles(doc: I64, token_hashes: U64, k: int) -> tuple[I64, U64]:
    """Hashes of ``k`` consecutive tokens of the same document (all tokens if fewer)."""
    if k == 1 or not len(doc):
        return doc, token_hashes
    n = len(doc)
    h = token_hashes.copy()
    for j in range(1, k):
        same = np.zeros(n, bool)
        same[: n - j] = doc[j:] == doc[: n - j]
        nxt = np.zeros(n, np.uint64)
        nxt[: n - j] = token_hashes[j:]
        h = np.where(same, mix64((h * _P) ^ nxt), h)
    first = np.ones(n, bool)
    first[1:] = doc[1:] != doc[:-1]
    full = np.zeros(n, bool)
    full[: n - k + 1] = doc[k - 1 :] == doc[: n - k + 1]
    counts = np.bincount(doc)
    short = first & (counts[doc] < k)
    keep = full | short
    return doc[keep], h[keep]


def signatures(offsets: I64, hashes: U64, num_perm: int = 128, seed: int = 1) -> U64:
    """MinHash signatures, shape ``(n_docs, num_perm)``, by one-permutation hashing.

    Each shingle hash is re-hashed with ``seed``; its top bits pick one of ``num_perm`` bins and
    the bin keeps the smallest value (Li, Owen & Zhang 2012). Empty bins borrow the value of a
    bin chosen by a fixed hash sequence until a filled one is hit ("optimal densification",
    Shrivastava 2017), so ``P[sig_a[k] == sig_b[k]]`` is the Jaccard similarity. Cost:
    O(shingles + n_docs × num_perm). A document without shingles gets :data:`EMPTY` everywhere.

    >>> sig = signatures(np.array([0, 2, 2]), np.array([1, 2], np.uint64), num_perm=4)
    >>> sig.shape, bool((sig[1] == EMPTY).all()), bool((sig[0] != EMPTY).all())
    ((2, 4), True, True)
    """
    offsets = np.asarray(offsets, np.int64)
    n_docs = len(offsets) - 1
    sig = np.full(n_docs * num_perm, EMPTY, np.uint64)
    counts = np.diff(offsets)
    g = mix64(np.asarray(hashes, np.uint64)[offsets[0] : offsets[-1]] ^ _seed_key(seed))
    g[g == EMPTY] -= np.uint64(1)
    bins = ((g >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
    cell = np.repeat(np.arange(n_docs, dtype=np.uint64) * np.uint64(num_perm), counts) + bins
    np.minimum.at(sig, cell.astype(np.intp), g)
    out = sig.reshape(n_docs, num_perm)
    _densify(out, counts > 0, num_perm, seed)
    return out


def _scalar(value: int) -> np.uint64:
    """A Python int wrapped to 64 bits (numpy scalar arithmetic would warn on overflow)."""
    return np.uint64(value & 0xFFFFFFFFFFFFFFFF)


def _seed_key(seed: int) -> np.uint64:
    mixed: U64 = mix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], np.uint64) ^ _K2)
    return np.uint64(int(mixed[0]))


def _densify(sig: U64, nonempty: Bools, num_perm: int, seed: int) -> None:
    """Fill empty bins of non-empty documents from other bins, in place."""
    flat = sig.reshape(-1)
    filled = flat != EMPTY
    todo = np.flatnonzero(~filled & np.repeat(nonempty, num_perm))
    if not len(todo):
        return
    rows = todo - todo % num_perm
    cols = todo % num_perm
    bins = np.arange(num_perm, dtype=np.uint64)
    key = _seed_key(seed)
    attempt = 0
    while len(todo) and attempt < 8 * num_perm:
        attempt += 1
        salt = key ^ _scalar(attempt * int(_K1))
        probe = (mix64(bins * _K2 ^ salt) >> np.uint64(32)) * np.uint64(num_perm) >> np.uint64(32)
        src = rows + probe.astype(np.int64)[cols]
        hit = filled[src]
        flat[todo[hit]] = flat[src[hit]]
        miss = ~hit
        todo, rows, cols = todo[miss], rows[miss], cols[miss]
    for step in range(1, num_perm):  # rare leftovers: the next filled bin to the right
        if not len(todo):
            break
        src = rows + (cols + step) % num_perm
        hit = filled[src]
        flat[todo[hit]] = flat[src[hit]]
        miss = ~hit
        todo, rows, cols = todo[miss], rows[miss], cols[miss]


def _empty_rows(sig: npt.NDArray[np.unsignedinteger]) -> Bools:
    sentinel = EMPTY32 if sig.dtype == np.uint32 else EMPTY
    return np.asarray(sig[..., 0] == sentinel)


def band_keys(sig: npt.NDArray[np.unsignedinteger], bands: int, rows: int) -> U64:
    """One 64-bit key per document and band, shape ``(n_docs, bands)``."""
    if bands * rows > sig.shape[1]:
        raise ValueError(f"bands × rows = {bands * rows} exceeds num_perm = {sig.shape[1]}")
    keys = np.empty((sig.shape[0], bands), np.uint64)
    for b in range(bands):
        h = np.full(sig.shape[0], _scalar((b + 1) * int(_K1)), np.uint64)
        for r in range(rows):
            h = mix64((h * _P) ^ sig[:, b * rows + r].astype(np.uint64))
        keys[:, b] = h
    return keys


def lsh_candidates(
    signatures: npt.NDArray[np.unsignedinteger],
    bands: int,
    rows: int,
    max_bucket: int | None = None,
    among: I64 | None = None,
) -> I64:
    """Pairs ``(i, j)``, ``i < j``, of documents that agree on all ``rows`` values of some band.

    Sort-based: per band, documents are sorted by band key and pairs come from runs of equal
    keys. Empty documents pair with nothing; with ``among`` (sorted row numbers), neither do
    the others. ``max_bucket`` skips runs longer than that (a guard against quadratic blow-up
    on huge clusters; None keeps every run). Sorted, distinct.

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 3, 4]], np.uint64)
    >>> lsh_candidates(sig, bands=2, rows=2).tolist()
    [[0, 1], [0, 2]]
    >>> lsh_candidates(sig, bands=2, rows=2, among=np.array([1, 2])).tolist()
    []
    """
    n = signatures.shape[0]
    live = live_rows(signatures)
    if among is not None:
        live = np.intersect1d(live, among, assume_unique=True)
    if len(live) < 2:
        return np.zeros((0, 2), np.int64)
    keys = band_keys(signatures[live], bands, rows)
    codes: list[I64] = []
    for b in range(bands):
        order = np.argsort(keys[:, b], kind="stable")
        ks = keys[order, b]
        codes.append(_run_pairs(ks, live[order], n, max_bucket))
    if not codes:
        return np.zeros((0, 2), np.int64)
    code = np.unique(np.concatenate(codes))
    return np.stack([code // n, code % n], axis=1).astype(np.int64)


def live_rows(signatures: npt.NDArray[np.unsignedinteger]) -> I64:
    """The documents that have shingles (the only ones :func:`lsh_candidates` pairs).

    >>> live_rows(np.array([[1, 2], [EMPTY, EMPTY]], np.uint64)).tolist()
    [0]
    """
    return np.flatnonzero(~_empty_rows(signatures)).astype(np.int64)


def bucket_pairs(slots: I64, keys: U64, ids: I64, n: int) -> I64:
    """``i * n + j`` (``i < j``; sorted, distinct) for every two ``ids`` with equal ``slots``
    (a band, say) and equal ``keys`` (that band's key): :func:`lsh_candidates` for any subset
    of its (band, key) runs, so the union over disjoint subsets is its whole result.

    >>> keys = band_keys(np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 3, 4]], np.uint64), 2, 2)
    >>> ids = np.repeat(np.arange(3), 2)
    >>> bucket_pairs(np.tile(np.arange(2), 3), keys.reshape(-1), ids, 3).tolist()  # [0,1], [0,2]
    [1, 2]
    """
    if len(ids) < 2:
        return np.zeros(0, np.int64)
    order = np.lexsort((ids, keys, slots))
    s, k = slots[order], keys[order]
    new = np.zeros(len(order), bool)
    new[1:] = (s[1:] != s[:-1]) | (k[1:] != k[:-1])
    run = np.cumsum(new).astype(np.uint64)
    return np.unique(_run_pairs(run, ids[order], n, None))


def _run_pairs(sorted_keys: U64, ids: I64, n: int, max_bucket: int | None) -> I64:
    """``i * n + j`` for every pair inside each run of equal sorted keys (ids ascend in runs)."""
    m = len(sorted_keys)
    new = np.ones(m, bool)
    new[1:] = sorted_keys[1:] != sorted_keys[:-1]
    run_start = np.flatnonzero(new)
    run_len = np.diff(np.append(run_start, m))
    multi = run_len > 1
    if max_bucket is not None:
        multi &= run_len <= max_bucket
    if not multi.any():
        return np.zeros(0, np.int64)
    run_of = np.cumsum(new) - 1
    pos_in_run = np.arange(m) - run_start[run_of]
    partners = np.where(multi[run_of], run_len[run_of] - 1 - pos_in_run, 0)
    total = int(partners.sum())
    left = np.repeat(np.arange(m), partners)
    step = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    right = left + step
    a, b = ids[left], ids[right]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    code: I64 = lo.astype(np.int64) * n + hi
    return code


def jaccard_estimate(
    sig_a: npt.NDArray[np.unsignedinteger], sig_b: npt.NDArray[np.unsignedinteger]
) -> npt.NDArray[np.float64]:
    """The fraction of agreeing signature values, row-wise (0.0 when either side is empty).

    >>> a = np.array([[1, 2, 3, 4]], np.uint64)
    >>> jaccard_estimate(a, np.array([[1, 2, 0, 4]], np.uint64)).tolist()
    [0.75]
    """
    est = np.mean(sig_a == sig_b, axis=-1, dtype=np.float64)
    empty = _empty_rows(sig_a) | _empty_rows(sig_b)
    return np.where(empty, 0.0, est)
