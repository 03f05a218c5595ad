#!/usr/bin/python3
"""Counts pixels of a colour in a PNG screenshot, with the standard library only.

    png_colors.py IMAGE.png [--color 1f77b4] [--tolerance 24] [--min-pixels 500]

Prints the image size, the share of pixels that differ from the background (the most common
colour) and the number of pixels within `tolerance` (per channel) of `color`. Exits 1 when the
image is blank or holds fewer than `min-pixels` of the colour. Decodes 8-bit RGB and RGBA,
non-interlaced, which is what browsers write for screenshots.
"""
import argparse
import struct
import sys
import zlib
from collections import Counter


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(kind, row, prev, bpp):
    if kind == 0:
        return row
    if kind == 2:  # Up: no dependency along the row, so one pass over pairs
        return bytearray((x + y) & 0xFF for x, y in zip(row, prev))
    out = bytearray(row)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + a) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((a + b) >> 1)) & 0xFF
        elif kind == 4:
            out[i] = (out[i] + paeth(a, b, c)) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter type {kind}")
    return out


def decode(path):
    """Returns (width, height, channels, rows) with rows as bytearrays of width*channels."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, color, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {color}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, channels)
        rows.append(row)
        prev = row
    return width, height, channels, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("image")
    ap.add_argument("--color", default="1f77b4")
    ap.add_argument("--tolerance", type=int, default=24)
    ap.add_argument("--min-pixels", type=int, default=500)
    args = ap.parse_args()
    try:
        width, height, channels, rows = decode(args.image)
    except (OSError, ValueError, zlib.error) as e:
        print(f"FAIL: cannot read {args.image}: {e}")
        return 1
    target = tuple(int(args.color[i:i + 2], 16) for i in (0, 2, 4))
    tol = args.tolerance
    counts = Counter()
    for row in rows:
        counts.update(zip(row[0::channels], row[1::channels], row[2::channels]))
    total = width * height
    background, bg_count = counts.most_common(1)[0]
    matches = sum(n for c, n in counts.items() if all(abs(c[i] - target[i]) <= tol for i in range(3)))
    drawn = total - bg_count
    print(f"{args.image}: {width}x{height}, {len(counts)} distinct colours, "
          f"{drawn} pixels ({100.0 * drawn / total:.1f}%) differ from the background "
          f"#{background[0]:02x}{background[1]:02x}{background[2]:02x}, "
          f"{matches} pixels of #{args.color} (tolerance {tol})")
    if len(counts) < 2 or drawn < total // 100:
        print("FAIL: the screenshot is blank")
        return 1
    if matches < args.min_pixels:
        print(f"FAIL: fewer than {args.min_pixels} pixels of #{args.color}: the charts were not drawn")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
