#!/usr/bin/env python3
"""Derives the binary-input fuzz targets' seeds from fixtures/ (run from the repo root).

The JSON targets read fixtures/ directly; rle_string, polygon_raster and shape_iou take a
few header bytes first (see their sources), so their seeds are fixture values with that
header, written to fixtures/fuzz/<target>/seed-*. Deterministic: rerunning rewrites the
same files. Crash reproducers in the same folders are named crash-* and are kept.
"""
import glob
import json
import math
import os
import struct

OUT = "fixtures/fuzz"


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, "seed-" + name), "wb") as f:
        f.write(data)


def segmentations():
    """(fixture, h, w, segmentation) from the COCO fixtures, in a stable order."""
    for path in sorted(glob.glob("fixtures/coco/*/gt.json")) + sorted(glob.glob("fixtures/coco/*/dt.json")):
        if "random_large" in path:
            continue
        doc = json.load(open(path))
        sizes = {}
        if isinstance(doc, dict):
            sizes = {im["id"]: (im.get("height", 0), im.get("width", 0)) for im in doc["images"]}
            anns = doc.get("annotations", [])
        else:
            gt = json.load(open(os.path.join(os.path.dirname(path), "gt.json")))
            sizes = {im["id"]: (im.get("height", 0), im.get("width", 0)) for im in gt["images"]}
            anns = doc
        fixture = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)[:2]
        for a in anns:
            seg = a.get("segmentation")
            if seg is None or a.get("image_id") not in sizes:
                continue
            h, w = sizes[a["image_id"]]
            yield fixture, h, w, seg


def rle_string_seeds():
    n = 0
    for fixture, h, w, seg in segmentations():
        if isinstance(seg, dict) and isinstance(seg.get("counts"), str) and h < 8192 and w < 8192 and n < 40:
            write("rle_string", f"{fixture}-{n}", struct.pack("<HH", 0xC000 | h, 0xC000 | w) + seg["counts"].encode())
            n += 1
    # Edges: empty string (0 x 0 is not a size here), one pixel, the 32-bit sizes (0xE000 | k).
    write("rle_string", "one-pixel", struct.pack("<HH", 0xC001, 0xC001) + b"01")
    write("rle_string", "empty", struct.pack("<HH", 0xC001, 0xC001))
    write("rle_string", "huge-size", struct.pack("<HH", 0xE004, 0xE004) + b"0")


def polygon_seeds():
    n = 0
    for fixture, h, w, seg in segmentations():
        if isinstance(seg, list) and seg and isinstance(seg[0], list) and h <= 1024 and w <= 1024 and n < 40:
            poly = seg[0]
            data = struct.pack("<BHH", 1, 0x8000 | (h - 1), 0x8000 | (w - 1))
            data += b"".join(struct.pack("<h", max(-32768, min(32767, round(v * 16)))) for v in poly)
            write("polygon_raster", f"{fixture}-{n}", data)
            n += 1
    # Raw doubles (mode 2): NaN, infinities, huge, subnormal, negative zero.
    odd = [0.0, 0.0, 10.0, 0.0, 10.0, math.nan, 0.0, 10.0, math.inf, -math.inf, 1e300, -1e300,
           5e-324, -0.0, 2e8, 3e9]
    write("polygon_raster", "raw-doubles", struct.pack("<BHH", 2, 0x8000 | 99, 0x8000 | 99) +
          b"".join(struct.pack("<d", v) for v in odd))
    big = [-1e9, -1e9, 1e9, -1e9, 1e9, 1e9, -1e9, 1e9]
    write("polygon_raster", "huge-square", struct.pack("<BHH", 2, 0x8000 | 639, 0x8000 | 479) +
          b"".join(struct.pack("<d", v) for v in big))


def shape_seeds():
    pairs = json.load(open("fixtures/geometry/pairs.json"))
    for i, p in enumerate(pairs[::4]):
        a, b = p["a"], p["b"]
        mode = 3 | (0x80 if p["kind"] == "rotated" else 0)
        data = struct.pack("<BB", mode, len(a) // 2 if p["kind"] == "polygon" else 3)
        # rotated: 5 values per box; vertex count byte 3 takes 6 values for the first, and the
        # second must have an even count: pad both.
        if p["kind"] == "rotated":
            a, b = a + [0.0], b + [0.0]
        data += b"".join(struct.pack("<i", max(-2**31, min(2**31 - 1, round(v * 1000)))) for v in a + b)
        write("shape_iou", f"pairs-{i}-{p['kind']}", data)


def dump(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


# The fixed ground truth of coco_results_fuzz.cpp: image id -> (height, width).
FIXED_GT = {1: (446, 524), 2: (640, 480), 3: (460, 524), 4: (400, 300), 5: (591, 454), 6: (427, 640),
            7: (500, 375), 8: (360, 640), 9: (1, 1), 10: (8, 8), 11: (3, 5)}


def json_seeds():
    """Small JSON seeds: the whole fixtures are slow to mutate (tens of KB), so each COCO and
    geometry fixture also gives a ground truth with its first annotations, and results that
    fit coco_results' fixed ground truth."""
    for path in sorted(glob.glob("fixtures/coco/*/gt.json")) + sorted(glob.glob("fixtures/geometry/*/gt.json")):
        name = os.path.basename(os.path.dirname(path))
        gt = json.load(open(path))
        anns = gt.get("annotations", [])[:4]
        ids = {a["image_id"] for a in anns}
        images = [im for im in gt["images"] if im["id"] in ids] or gt["images"][:1]
        write("coco_gt", name + ".json", dump({"images": images, "categories": gt["categories"], "annotations": anns}))
        sizes = {im["id"]: (im.get("height"), im.get("width")) for im in gt["images"]}
        dt = json.load(open(os.path.join(os.path.dirname(path), "dt.json")))
        kept = []
        for r in dt:
            seg = r.get("segmentation")
            if isinstance(seg, dict) or (isinstance(seg, list) and seg and isinstance(seg[0], dict)):
                size = sizes.get(r["image_id"])  # masks need the image's own size
                match = [i for i, s in FIXED_GT.items() if s == size]
                if not match:
                    continue
                r = dict(r, image_id=match[0])
            else:
                r = dict(r, image_id=1 + r["image_id"] % 8)
            r["category_id"] = 1 + r["category_id"] % 4  # 4 is unknown to the fixed GT: dropped
            kept.append(r)
            if len(kept) == 5:
                break
        if kept:
            write("coco_results", name + ".json", dump(kept))


if __name__ == "__main__":
    json_seeds()
    rle_string_seeds()
    polygon_seeds()
    shape_seeds()
