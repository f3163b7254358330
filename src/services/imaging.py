"""Turning a trader's phone photo into catalog variants: validated, upright, stripped, resized, encoded.

Pillow, chosen by measurement (bench/photos.py): JPEG decoding is asked for a reduced size first
(`Image.draft`, DCT scaling) and each smaller variant is made from the previous one, which costs a
fraction of the time and memory of decoding 12 MP and resizing it four times.
"""

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

SIZES = {"THUMB": 160, "SMALL": 320, "MEDIUM": 640, "LARGE": 1280}
# Encoder settings: what a buyer's phone shows well at a small byte size. No `exif=` or `icc_profile=`
# is passed, so nothing of the original's metadata (GPS above all) is written.
FORMATS = {
    "WEBP": ("WEBP", "image/webp", {"quality": 80, "method": 4}),
    "JPEG": ("JPEG", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
}
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXIF_ORIENTATION = 0x0112


class ImageRejected(Exception):
    """The bytes are not a photo we can use; `reason` is a message key the trader reads translated."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Variant:
    size: str
    format: str
    content_type: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class ProcessedPhoto:
    width: int  # of the upright original
    height: int
    variants: list[Variant]


def sniff_format(data: bytes) -> str | None:
    """The image format by its first bytes (names and declared types are not trusted)."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read only the header and refuse what is not an allowed image or has too many pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("IMAGE_TOO_LARGE") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("NOT_AN_IMAGE") from exc
    if image.width * image.height > max_pixels:
        raise ImageRejected("IMAGE_TOO_LARGE")
    return image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    return (image.height, image.width) if orientation in (5, 6, 7, 8) else (image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and a transparent product photo reads best on white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The size with this long edge, never larger than the image itself."""
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _load_upright(image: Image.Image, long_edge: int) -> Image.Image:
    """Decode (a JPEG at the smallest DCT scale that still covers `long_edge`), turn upright, flatten."""
    if image.format == "JPEG":
        scale = long_edge / max(image.size)
        if scale < 1:
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise ImageRejected("DAMAGED_IMAGE") from exc
    return _flatten(ImageOps.exif_transpose(image))


def process(data: bytes, *, max_pixels: int) -> ProcessedPhoto:
    """All variants of one photo. Raises ImageRejected for anything that is not a usable photo."""
    image = _open(data, max_pixels)
    width, height = _upright_size(image)
    current = _load_upright(image, max(SIZES.values()))
    variants: list[Variant] = []
    for size_name, long_edge in sorted(SIZES.items(), key=lambda item: -item[1]):
        target = _fit(current.size, long_edge)
        if target != current.size:
            current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        for format_name, (pillow_format, content_type, options) in FORMATS.items():
            buffer = io.BytesIO()
            current.save(buffer, pillow_format, **options)
            variants.append(
                Variant(
                    size=size_name,
                    format=format_name,
                    content_type=content_type,
                    width=current.width,
                    height=current.height,
                    data=buffer.getvalue(),
                )
            )
    return ProcessedPhoto(width=width, height=height, variants=variants)


def upright_jpeg(data: bytes, *, max_pixels: int, long_edge: int) -> bytes:
    """One JPEG of a photo (a proof of delivery): validated, upright, at most `long_edge`, no metadata."""
    upright = _load_upright(_open(data, max_pixels), long_edge)
    target = _fit(upright.size, long_edge)
    if target != upright.size:
        upright = upright.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    pillow_format, _, options = FORMATS["JPEG"]
    buffer = io.BytesIO()
    upright.save(buffer, pillow_format, **options)
    return buffer.getvalue()
