"""What datacard measures about one image, without keeping its pixels.

:func:`image_facts` reads the header first (``Image.open`` is lazy) and refuses to decode an
image over :data:`PIXEL_BUDGET` pixels (a decompression bomb); otherwise it decodes the first
frame, counts its 8-bit R, G, B values (grayscale images repeat their one band), notes EXIF and
GPS tags and computes a 64-bit perceptual hash. Only the decoders of :data:`FORMATS` are
tried (whatever the file's content claims). A file Pillow cannot read is ``corrupt``, with
Pillow's message; nothing raises for bad pixels.

>>> import io
>>> from PIL import Image
>>> buffer = io.BytesIO()
>>> Image.new("RGB", (4, 2), (255, 0, 0)).save(buffer, "PNG")
>>> facts = image_facts(buffer.getvalue())
>>> facts["format"], facts["width"], facts["height"], facts["hist"][255], facts.get("problem")
('PNG', 4, 2, 8, None)
>>> image_facts(b"not an image")["problem"]
'corrupt'
"""

from __future__ import annotations

import hashlib
import io
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from PIL import (  # the decoders of FORMATS register themselves on import
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

#: Images with more pixels are not decoded (Pillow's default ``MAX_IMAGE_PIXELS``: about 89.5
#: million pixels, 256 MiB as 24-bit RGB). Pillow's own check is replaced by ours so the header
#: size is known and reported.
PIXEL_BUDGET = 89_478_485
#: The decoders Pillow may use: those of the image suffixes we read (the JPEG decoder also
#: opens multi-picture camera JPEGs, as MPO). Never EPS, which Pillow renders by running
#: Ghostscript.
FORMATS = ("JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF")
#: Images are box-reduced to about this many pixels on the shorter side before the pHash.
PHASH_INPUT = 128
#: Errors Pillow raises for files it cannot read (it has no single base class for them).
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)
_GPS_IFD = 0x8825
_LATITUDE, _LONGITUDE = 2, 4
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_GRAY = frozenset({"L", "LA", "La", "1", "F", *_SIXTEEN_BIT})
_RGB = frozenset({"RGB", "RGBA", "RGBa", "RGBX"})
_budget_lock = threading.Lock()
_PLUGINS = [BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin]
_PLUGINS.append(WebPImagePlugin)


@contextmanager
def _header_only() -> Iterator[None]:
    """Open with Pillow's size check off: we check the header size ourselves, before decoding."""
    with _budget_lock:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def image_facts(data: bytes) -> dict[str, Any]:
    """The facts of one image file's bytes (the keys of :data:`datacard.media.types.IMAGE_FIELDS`
    except ``path``)."""
    out: dict[str, Any] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with warnings.catch_warnings():  # Pillow warns about odd files; what matters is recorded
        warnings.simplefilter("ignore")
        _decode(data, out)
    return out


def _decode(data: bytes, out: dict[str, Any]) -> None:
    try:
        with _header_only():
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        out.update(format=image.format, mode=image.mode, width=image.width, height=image.height)
        if image.width * image.height > PIXEL_BUDGET:
            out["problem"] = "bomb"
            out["error"] = (
                f"{image.width:,} x {image.height:,} pixels is over the budget of "
                f"{PIXEL_BUDGET:,}; not decoded"
            )
            return
        image.load()
        gray, hist = histogram(image)
        out.update(gray=gray, hist=hist.tolist(), brightness=brightness(hist, gray))
        out["exif"], out["gps"] = _exif(image)
        out["phash"] = phash(image)
    except DECODE_ERRORS as exc:
        out["problem"] = "corrupt"
        out["error"] = _message(exc)


def _message(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return f"not an image Pillow reads as {', '.join(FORMATS)}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def histogram(image: Image.Image) -> tuple[bool, np.ndarray[Any, np.dtype[np.int64]]]:
    """``(gray, counts)``: 3 x 256 counts of 8-bit R, G, B values (alpha dropped; a grayscale
    image repeats its band; 16-bit and float images rounded to 8 bits)."""
    mode = image.mode
    if mode in _SIXTEEN_BIT or mode == "F":
        band = np.bincount(_eight_bit(image).ravel(), minlength=256).astype(np.int64)
        return True, np.tile(band, 3)
    if mode in _GRAY:
        gray = image if mode != "1" else image.convert("L")
        band = np.array(gray.histogram()[:256], np.int64)
        return True, np.tile(band, 3)
    rgb = image if mode in _RGB else image.convert("RGB")
    return False, np.array(rgb.histogram()[:768], np.int64)


def _eight_bit(image: Image.Image) -> np.ndarray[Any, np.dtype[np.int64]]:
    """A 16-bit, 32-bit integer or float image's values rounded to 0..255.

    16-bit: ``round(v / 257)``; 32-bit integers are clipped to 0..65535 first; floats are taken
    as 0..1 when their maximum is at most 1, else as 0..255 (clipped).
    """
    values = np.asarray(image)
    if image.mode == "F":
        top = 1.0 if values.size and float(np.nanmax(values)) <= 1.0 else 255.0
        scaled = np.nan_to_num(np.clip(values, 0.0, top) * (255.0 / top))
        rounded: np.ndarray[Any, np.dtype[np.int64]] = np.rint(scaled).astype(np.int64)
        return rounded
    wide: np.ndarray[Any, np.dtype[np.int64]] = np.clip(values.astype(np.int64), 0, 65535)
    return (wide + 128) // 257


def brightness(hist: np.ndarray[Any, np.dtype[np.int64]], gray: bool) -> float | None:
    """Mean luma in [0, 1] (ITU-R BT.601 weights, as Pillow's ``convert("L")``)."""
    counts = hist.reshape(3, 256)
    n = int(counts[0].sum())
    if n == 0:
        return None
    means = counts @ np.arange(256, dtype=np.float64) / (255.0 * n)
    if gray:
        return float(means[0])
    return float(0.299 * means[0] + 0.587 * means[1] + 0.114 * means[2])


def _exif(image: Image.Image) -> tuple[bool, bool]:
    """Whether the image carries EXIF, and GPS coordinates (latitude and longitude) in it."""
    try:
        exif = image.getexif()
        present = len(exif) > 0 or "exif" in image.info
        gps = exif.get_ifd(_GPS_IFD) if _GPS_IFD in exif else {}
    except DECODE_ERRORS:  # an EXIF block we cannot parse: present, no GPS we can see
        return True, False
    return present, _LATITUDE in gps and _LONGITUDE in gps


def phash(image: Image.Image) -> int:
    """The 64-bit perceptual hash (``imagehash.phash``: DCT of the 32 x 32 grayscale image) as
    an int. Large images are first box-reduced to about :data:`PHASH_INPUT` pixels on the shorter
    side (the Lanczos resize of a full photo costs as much as decoding it)."""
    import imagehash

    if image.mode in _SIXTEEN_BIT or image.mode == "F":
        gray = Image.fromarray(_eight_bit(image).astype(np.uint8))
    else:
        gray = image.convert("L")
    factor = min(gray.size) // PHASH_INPUT
    if factor > 1:
        gray = gray.reduce(factor)
    bits = imagehash.phash(gray).hash.ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")
