"""Numbers of the compute estimates as people read them (counts, shares, bytes, FLOPs, hours).

>>> count_text(1_234_567), share_text(0.4123), memory_text(64 * 2**20), sci_text(5.18e16)
('1.23 million', '41.2%', '64 MiB', '5.18e16')
"""

from __future__ import annotations

from typing import Final

_SCALES: Final = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def sci_text(x: float) -> str:
    """``x`` in short scientific notation.

    >>> sci_text(5.18e16), sci_text(7e9), sci_text(0.0)
    ('5.18e16', '7e9', '0')
    """
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def count_text(n: float) -> str:
    """A count: digits with separators below a million, else a short scaled number.

    >>> count_text(12345.4), count_text(1_234_567), count_text(7.0e9), count_text(3e16)
    ('12,345', '1.23 million', '7 billion', '3e16')
    """
    if n < 1e6:
        return f"{round(n):,}"
    for size, word in _SCALES:
        if size <= n < 1e15:
            return f"{n / size:.3g} {word}"
    return sci_text(n)


def plain_text(x: float) -> str:
    """A policy number inside a formula: integers with separators, else short.

    >>> plain_text(4096), plain_text(7e9), plain_text(0.5)
    ('4,096', '7e9', '0.5')
    """
    if abs(x) >= 1e6:
        return sci_text(x)
    return f"{int(x):,}" if x == int(x) else f"{x:g}"


def share_text(x: float) -> str:
    """A share of 1 as a percentage.

    >>> share_text(0.4123), share_text(0.0), share_text(0.000038), share_text(1.0)
    ('41.2%', '0%', '0.0038%', '100%')
    """
    if x <= 0:
        return "0%"
    if x < 1e-6:
        return "<0.0001%"
    if x < 0.001:
        return f"{100 * x:.2g}%"
    return f"{100 * x:.1f}".removesuffix(".0") + "%"


def memory_text(n: float) -> str:
    """Bytes of memory in binary units.

    >>> memory_text(64 * 2**20), memory_text(1.5 * 2**30), memory_text(512)
    ('64 MiB', '1.5 GiB', '512 bytes')
    """
    for power, unit in ((4, "TiB"), (3, "GiB"), (2, "MiB"), (1, "KiB")):
        if n >= 1024**power:
            return f"{n / 1024**power:.3g} {unit}"
    return f"{n:.3g} bytes"


def volume_text(n: float) -> str:
    """Bytes of data in SI units.

    >>> volume_text(3.7e9), volume_text(999)
    ('3.7 GB', '999 bytes')
    """
    for power, unit in ((5, "PB"), (4, "TB"), (3, "GB"), (2, "MB"), (1, "kB")):
        if n >= 1000**power:
            return f"{n / 1000**power:.3g} {unit}"
    return f"{n:.3g} bytes"


def hours_text(h: float) -> str:
    """GPU-hours with sensible precision.

    >>> hours_text(1234.5), hours_text(12.34), hours_text(0.01234)
    ('1,234 GPU-hours', '12.3 GPU-hours', '0.012 GPU-hours')
    """
    if h >= 100:
        return f"{h:,.0f} GPU-hours"
    if h >= 1:
        return f"{h:.1f} GPU-hours"
    return f"{h:.2g} GPU-hours"
