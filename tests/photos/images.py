"""Test images made on the spot: phone-like JPEGs with EXIF, and files that only pretend to be images."""

import io
import struct
import zlib

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def jpeg(width: int = 1600, height: int = 1200, *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A JPEG with a left half red and a right half blue, optionally rotated by EXIF and geotagged."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd.update({1: "S", 2: (7.0, 59.0, 10.0), 3: "E", 4: (112.0, 37.0, 48.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def png_with_alpha(width: int = 200, height: int = 100) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 128, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 20_000) -> bytes:
    """A valid PNG header claiming side × side pixels, with image data that could not be decoded."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"not really data") + _chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = jpeg(800, 600)
    return data[: len(data) // 2]


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
