"""How fast and how lean the photo pipeline is, beside a naive one, on 12 MP phone-sized JPEGs.

Both make the same 8 outputs (THUMB 160, SMALL 320, MEDIUM 640, LARGE 1280 px long edge, in WebP and
JPEG with the same encoder settings) from the same photos:
- pipeline: `src.services.imaging.process`, the code the `process_product_photo` job runs
  (draft decoding at a reduced DCT scale, EXIF orientation, each size made from the previous one);
- naive: full decode, then `thumbnail(LANCZOS)` from the full image for each size.
Each runs in a fresh child process, so its peak RSS (VmHWM) is its own.

    uv run python bench/photos.py [--photos 6] [--repeat 3]
"""

import io
import json
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from bench.harness import cli, report


def make_photo(path: Path, seed: int) -> None:
    """A 4000 × 3000 JPEG that compresses like a photo: gradients, shapes and sensor-like noise."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 4000, 3000
    linear = Image.linear_gradient("L")
    gradients = [linear, Image.radial_gradient("L"), linear.rotate(90 + seed * 7)]
    base = Image.merge("RGB", [gradient.resize((width, height)) for gradient in gradients])
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (seed * 97 + i * 211) % width, (seed * 53 + i * 149) % height
        draw.ellipse((x, y, x + 300 + i * 5, y + 200 + i * 3), fill=((i * 37) % 255, (i * 91) % 255, (i * 13) % 255))
    noise = Image.effect_noise((width // 4, height // 4), 40).resize((width, height)).convert("RGB")
    photo = Image.blend(base.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    exif = Image.Exif()
    exif[0x0112] = 6  # held upright, as phones store it
    photo.save(path, "JPEG", quality=90, exif=exif.tobytes())


def _naive(data: bytes) -> int:
    from PIL import Image, ImageOps

    from src.services.imaging import FORMATS, SIZES

    written = 0
    original = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    for long_edge in SIZES.values():
        copy = original.copy()
        copy.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
        for pillow_format, _, options in FORMATS.values():
            copy.save(io.BytesIO(), pillow_format, **options)
            written += 1
    return written


def _pipeline(data: bytes) -> int:
    from src.services.imaging import process

    return len(process(data, max_pixels=50_000_000).variants)


METHODS = {"naive": _naive, "pipeline": _pipeline}
COLUMNS = [("", "<10"), ("ms/photo (median)", ">19.0f"), ("p90 ms", ">9.0f"), ("photos/min/process", ">20.0f")]
COLUMNS += [("peak RSS MB", ">13.0f")]
CHILD = "import sys; from bench.photos import child; child(*sys.argv[1:])"  # python -c CHILD <method> <repeat> <photo>…


def child(method: str, repeat: str, *files: str) -> None:
    """In a fresh process, one method over the photos (after one warm-up): its timings and peak RSS printed as
    JSON (VmHWM starts afresh with exec; ru_maxrss would carry the parent's peak, from making the photos)."""
    work = METHODS[method]
    photos = [Path(f).read_bytes() for f in files]
    assert work(photos[0]) == 8
    times = []
    for data in photos * int(repeat):
        started = time.perf_counter()
        work(data)
        times.append((time.perf_counter() - started) * 1000)
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    p90 = sorted(times)[int(len(times) * 0.9) - 1]
    print(json.dumps({"median_ms": statistics.median(times), "p90_ms": p90, "peak_rss_mb": peak}))


def _bomb_refusal_ms() -> float:
    """How long a 20,000 × 20,000 image takes to be refused (its header is read, never its pixels)."""
    from src.services.imaging import ImageRejected, process

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")
    started = time.perf_counter()
    try:
        process(bomb, max_pixels=50_000_000)
    except ImageRejected:
        return (time.perf_counter() - started) * 1000
    raise AssertionError("the bomb was not refused")


def main(args: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(folder) / f"photo-{i}.jpg" for i in range(args.photos)]
        for i, path in enumerate(files):
            make_photo(path, i)
        size = statistics.mean(p.stat().st_size / 1e6 for p in files)
        print(f"photos: {len(files)} × 4000 × 3000 JPEG (EXIF rotated), {size:.1f} MB average")
        print(f"outputs per photo: 8 (4 sizes × WebP and JPEG); each method {args.repeat} × over all photos\n")
        command = [sys.executable, "-c", CHILD, "<method>", str(args.repeat), *map(str, files)]
        results = {}
        for method in METHODS:  # each in a fresh process, one after the other
            command[3] = method
            results[method] = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
    rows = [[m, r["median_ms"], r["p90_ms"], 60_000 / r["median_ms"], r["peak_rss_mb"]] for m, r in results.items()]
    report.table(COLUMNS, rows)
    naive, pipeline = results["naive"], results["pipeline"]
    ratios = {key: report.ratio(pipeline[key], naive[key]) for key in ("median_ms", "peak_rss_mb")}
    print(f"\npipeline ÷ naive: time {ratios['median_ms']:.2f}, peak memory {ratios['peak_rss_mb']:.2f}")
    print(f"a 20,000 × 20,000 image is refused in {_bomb_refusal_ms():.2f} ms (header only)")


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--photos", 6, "photos to make", ">0"),
        cli.Option("--repeat", 3, "runs over them", ">0"),
    )
