#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Find the horizontal bars of one colour in a PNG screenshot.

Usage: png_bars.py FILE.png RRGGBB

Prints one line per bar, top to bottom: "TOP HEIGHT LEFT LENGTH", in pixels.
A bar is a block of consecutive pixel rows that each hold a run of the colour
starting at the same column. Only the standard library is used (zlib, struct),
so the test needs nothing beyond python3: the decoder handles what a browser's
screenshot is, 8-bit RGB or RGBA without interlacing (PNG specification,
2nd edition, sections 7 to 9), and refuses the rest.
"""
import struct
import sys
import zlib

# PNG specification 11.2.2: colour type -> bytes per pixel at bit depth 8.
CHANNELS = {2: 3, 6: 4}
# A pixel counts as the bar's colour when every channel is this close: an
# exact match would do for Chromium's sRGB output, the margin allows for a
# colour profile rounding one step; antialiased edges are far off and drop out.
TOLERANCE = 8


def read_png(path):
    """Return (width, height, bytes per pixel, rows of raw pixel bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos = 8
    header = None
    idat = []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length  # length, type, body, CRC
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace != 0:
        raise ValueError(f"{path}: bit depth {depth}, colour type {colour}, "
                         f"interlace {interlace}: only 8-bit RGB or RGBA, "
                         "not interlaced, is read")
    bpp = CHANNELS[colour]
    raw = zlib.decompress(b"".join(idat))
    return width, height, bpp, unfilter(raw, width, height, bpp)


def paeth(a, b, c):
    # PNG specification 9.4: the neighbour closest to a + b - c.
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bpp):
    """Undo the per-row filters (PNG specification 9.2) of the image data."""
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise ValueError(f"image data is {len(raw)} bytes, "
                         f"{height * (stride + 1)} expected")
    rows = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:  # Sub: add the byte one pixel to the left
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up: add the byte above
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:  # Average of left and above
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth of left, above and upper left
            for i in range(stride):
                if i >= bpp:
                    line[i] = (line[i] + paeth(line[i - bpp], prev[i],
                                               prev[i - bpp])) & 0xFF
                else:
                    line[i] = (line[i] + prev[i]) & 0xFF
        elif kind != 0:
            raise ValueError(f"row {y}: unknown filter type {kind}")
        rows.append(line)
        prev = line
    return rows


def longest_run(line, width, bpp, rgb):
    """Return (left, length) of the row's longest run of the colour."""
    best = (0, 0)
    left = None
    for x in range(width + 1):
        hit = False
        if x < width:
            px = line[x * bpp:x * bpp + 3]
            hit = all(abs(px[i] - rgb[i]) <= TOLERANCE for i in range(3))
        if hit and left is None:
            left = x
        elif not hit and left is not None:
            if x - left > best[1]:
                best = (left, x - left)
            left = None
    return best


def find_bars(path, rgb):
    width, height, bpp, rows = read_png(path)
    bars = []  # [top, height, left, length]
    for y, line in enumerate(rows):
        left, length = longest_run(line, width, bpp, rgb)
        if length == 0:
            continue
        last = bars[-1] if bars else None
        if last and last[0] + last[1] == y and last[2] == left:
            last[1] += 1
            last[3] = max(last[3], length)
        else:
            bars.append([y, 1, left, length])
    return bars


def main():
    if len(sys.argv) != 3 or len(sys.argv[2]) != 6:
        sys.exit("usage: png_bars.py FILE.png RRGGBB")
    rgb = bytes.fromhex(sys.argv[2])
    try:
        bars = find_bars(sys.argv[1], rgb)
    except (OSError, ValueError, zlib.error, struct.error) as e:
        sys.exit(f"png_bars: {e}")
    for bar in bars:
        print(*bar)


if __name__ == "__main__":
    main()
