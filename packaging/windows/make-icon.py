#!/usr/bin/env python3
"""Draws readycheck.ico (a white tick on a green disc, 16 to 256 px, PNG images in one ICO)
with the standard library only; run it again after changing the drawing."""
import math, struct, zlib, pathlib

def png(size):
    rows = []
    c = (size - 1) / 2
    r = size * 0.47
    # The tick: two strokes, as distances to line segments.
    a, b, d = (0.27, 0.52), (0.43, 0.68), (0.74, 0.34)
    w = size * 0.085
    def seg(px, py, p, q):
        (x1, y1), (x2, y2) = (p[0] * size, p[1] * size), (q[0] * size, q[1] * size)
        dx, dy = x2 - x1, y2 - y1
        t = max(0, min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)))
        return math.hypot(px - x1 - t * dx, py - y1 - t * dy)
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            dist = math.hypot(x - c, y - c)
            alpha = max(0.0, min(1.0, r - dist + 0.5))
            tick = min(seg(x + .5, y + .5, a, b), seg(x + .5, y + .5, b, d))
            white = max(0.0, min(1.0, w - tick + 0.5))
            g = (26, 127, 55)
            px = [round(g[i] * (1 - white) + 255 * white) for i in range(3)]
            row += bytes(px + [round(255 * alpha)])
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

sizes = [16, 24, 32, 48, 64, 256]
images = [png(s) for s in sizes]
out = struct.pack("<HHH", 0, 1, len(sizes))
offset = 6 + 16 * len(sizes)
for s, data in zip(sizes, images):
    out += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
out += b"".join(images)
pathlib.Path(__file__).with_name("readycheck.ico").write_bytes(out)
