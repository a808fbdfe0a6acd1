#!/usr/bin/env python3
"""Generates a COCO-panoptic-val-scale case for `deteval panoptic` benchmarks.

    python3 bench/gen_panoptic_scale.py --out DIR [--images 5000] [--width 640] [--height 480]
                                        [--seed 1] [--jobs 2] [--unique N]

Writes DIR/gt.json, DIR/gt/<id>.png, DIR/pred.json, DIR/pred/<id>.png: street-like scenes
(stuff bands with wavy borders, 3 to 15 things as ellipses and boxes, VOID on segment
borders and in blobs, crowd regions), random 24-bit segment ids, 80 thing and 53 stuff
categories like COCO panoptic. Predictions jitter the stuff borders, shift and scale the
things, drop, relabel and split some, and add false positives and unlabeled holes.

--unique N draws only N scenes and repeats them (same PNG bytes and segments, new image ids)
up to --images: every image is still its own pair of files, read and decoded by the tools,
but generating takes N / images of the time.

Needs only numpy (PNGs are written with zlib, 8-bit RGB, no filter, level 6). Deterministic
for a given seed (one RandomState per image).
"""
import argparse
import json
import multiprocessing
import os
import struct
import zlib

import numpy as np

THINGS = list(range(1, 81))
STUFF = list(range(92, 92 + 53))


def png_bytes(rgb):
    h, w, _ = rgb.shape
    raw = np.zeros((h, w * 3 + 1), np.uint8)  # filter byte 0 per row
    raw[:, 1:] = rgb.reshape(h, w * 3)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b""))


def to_rgb(ids):
    h, w = ids.shape  # little-endian bytes of the 32-bit id: R, G, B, 0
    return np.ascontiguousarray(ids.astype("<u4").view(np.uint8).reshape(h, w, 4)[:, :, :3])


def ellipse(h, w, cy, cx, ry, rx):
    """A full-size mask, computed only inside the ellipse's box."""
    m = np.zeros((h, w), bool)
    y0, y1, x0, x1 = max(0, cy - ry), min(h, cy + ry + 1), max(0, cx - rx), min(w, cx + rx + 1)
    if y0 < y1 and x0 < x1:
        y, x = np.ogrid[y0:y1, x0:x1]
        m[y0:y1, x0:x1] = ((y - cy) / max(ry, 1)) ** 2 + ((x - cx) / max(rx, 1)) ** 2 <= 1
    return m


def make_image(args):
    image_id, w, h, seed = args
    rs = np.random.RandomState(seed * 100003 + image_id)
    used = set([0])

    def new_id():
        while True:
            v = int(rs.randint(1, 1 << 24))
            if v not in used:
                used.add(v)
                return v

    # ---- ground truth: local labels, then ids
    nbands = rs.randint(3, 6)
    cuts = np.sort(rs.choice(np.arange(40, h - 40), nbands - 1, replace=False))
    xs = np.arange(w)
    gt_local = np.zeros((h, w), np.int32)
    segs = []  # (local label, category, iscrowd)
    borders = []
    y = np.arange(h)[:, None]
    prev = np.zeros(w)
    for b in range(nbands):
        lab = len(segs) + 1
        segs.append((lab, int(rs.choice(STUFF)), 0))
        if b < nbands - 1:
            wave = cuts[b] + 6 * np.sin(xs / rs.uniform(20, 60) + rs.uniform(0, 6))
            borders.append(wave)
        else:
            wave = np.full(w, h + 1.0)
        gt_local[(y >= prev[None, :]) & (y < wave[None, :])] = lab
        prev = wave
    things = []
    for _ in range(rs.randint(3, 16)):
        lab = len(segs) + 1
        ry, rx = rs.randint(8, 80), rs.randint(8, 80)
        cy, cx = rs.randint(ry, h - ry), rs.randint(rx, w - rx)
        crowd = 1 if rs.rand() < 0.05 else 0
        box = rs.rand() < 0.4
        if box:
            m = np.zeros((h, w), bool)
            m[cy - ry:cy + ry, cx - rx:cx + rx] = True
        else:
            m = ellipse(h, w, cy, cx, ry, rx)
        gt_local[m] = lab
        segs.append((lab, int(rs.choice(THINGS)), crowd))
        things.append((lab, cy, cx, ry, rx, box))
    # VOID: borders between segments (1-2 px) and a few blobs
    void = np.zeros((h, w), bool)
    void[:, 1:] |= gt_local[:, 1:] != gt_local[:, :-1]
    void[1:, :] |= gt_local[1:, :] != gt_local[:-1, :]
    for _ in range(rs.randint(0, 3)):
        void |= ellipse(h, w, rs.randint(h), rs.randint(w), rs.randint(3, 20), rs.randint(3, 20))
    gt_local_void = np.where(void, 0, gt_local)
    gt_ids_of = np.zeros(len(segs) + 1, np.int64)
    for lab, _, _ in segs:
        gt_ids_of[lab] = new_id()
    gt_ids = gt_ids_of[gt_local_void]
    counts = np.bincount(gt_local_void.ravel(), minlength=len(segs) + 1)
    gt_info = []
    for lab, cat, crowd in segs:
        if counts[lab] == 0:
            continue
        ys, xs_ = np.nonzero(gt_local_void == lab)
        gt_info.append({"id": int(gt_ids_of[lab]), "category_id": cat, "iscrowd": crowd, "area": int(counts[lab]),
                        "bbox": [int(xs_.min()), int(ys.min()), int(xs_.max() - xs_.min() + 1),
                                 int(ys.max() - ys.min() + 1)]})
    rs.shuffle(gt_info)

    # ---- prediction
    pred_local = np.zeros((h, w), np.int32)
    psegs = []
    prev = np.zeros(w)
    for b in range(nbands):
        lab = len(psegs) + 1
        cat = segs[b][1] if rs.rand() > 0.1 else int(rs.choice(STUFF))
        psegs.append((lab, cat))
        wave = borders[b] + rs.randint(-6, 7) if b < nbands - 1 else np.full(w, h + 1.0)
        pred_local[(y >= prev[None, :]) & (y < wave[None, :])] = lab
        prev = wave
    for (lab, cy, cx, ry, rx, box), (_, cat, _) in zip(things, segs[nbands:]):
        r = rs.rand()
        if r < 0.1:
            continue  # missed
        if r < 0.18:
            cat = int(rs.choice(THINGS))  # wrong class
        dy, dx = rs.randint(-ry // 3 - 1, ry // 3 + 2), rs.randint(-rx // 3 - 1, rx // 3 + 2)
        sy, sx = rs.uniform(0.8, 1.2), rs.uniform(0.8, 1.2)
        pry, prx = max(2, int(ry * sy)), max(2, int(rx * sx))
        pcy, pcx = int(np.clip(cy + dy, 0, h - 1)), int(np.clip(cx + dx, 0, w - 1))
        if box:
            m = np.zeros((h, w), bool)
            m[max(0, pcy - pry):pcy + pry, max(0, pcx - prx):pcx + prx] = True
        else:
            m = ellipse(h, w, pcy, pcx, pry, prx)
        if rs.rand() < 0.08:  # split in two
            left = m & (np.arange(w)[None, :] < pcx)
            pl = len(psegs) + 1
            pred_local[left] = pl
            psegs.append((pl, cat))
            m = m & ~left
        pl = len(psegs) + 1
        pred_local[m] = pl
        psegs.append((pl, cat))
    for _ in range(rs.randint(0, 4)):  # false positives
        pl = len(psegs) + 1
        pred_local[ellipse(h, w, rs.randint(h), rs.randint(w), rs.randint(5, 40), rs.randint(5, 40))] = pl
        psegs.append((pl, int(rs.choice(THINGS))))
    for _ in range(rs.randint(0, 3)):  # unlabeled holes
        pred_local[ellipse(h, w, rs.randint(h), rs.randint(w), rs.randint(3, 15), rs.randint(3, 15))] = 0
    pcounts = np.bincount(pred_local.ravel(), minlength=len(psegs) + 1)
    pred_ids_of = np.zeros(len(psegs) + 1, np.int64)
    pred_info = []
    for lab, cat in psegs:
        if pcounts[lab] == 0:
            continue
        pred_ids_of[lab] = new_id()
        pred_info.append({"id": int(pred_ids_of[lab]), "category_id": cat})
    pred_ids = pred_ids_of[pred_local]
    name = "%012d" % image_id
    return (image_id, name, png_bytes(to_rgb(gt_ids)), png_bytes(to_rgb(pred_ids)), gt_info, pred_info)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--unique", type=int, default=0, help="distinct scenes (default: --images)")
    a = ap.parse_args()
    for d in ("gt", "pred"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    cats = [{"id": c, "name": "thing_%d" % c, "supercategory": "thing", "isthing": 1, "color": [c, 0, 0]}
            for c in THINGS] + [{"id": c, "name": "stuff_%d" % c, "supercategory": "stuff", "isthing": 0,
                                 "color": [0, c, 0]} for c in STUFF]
    images, gt_anns, pred_anns = [], [], []
    unique = min(a.unique or a.images, a.images)
    work = [(i + 1, a.width, a.height, a.seed) for i in range(unique)]
    scenes = []
    with multiprocessing.Pool(a.jobs) as pool:
        scenes = list(pool.imap(make_image, work, chunksize=8))
    for i in range(a.images):
        _, _, gpng, ppng, gi, pi = scenes[i % unique]
        image_id = i + 1
        name = "%012d" % image_id
        with open(os.path.join(a.out, "gt", name + ".png"), "wb") as f:
            f.write(gpng)
        with open(os.path.join(a.out, "pred", name + ".png"), "wb") as f:
            f.write(ppng)
        images.append({"id": image_id, "width": a.width, "height": a.height, "file_name": name + ".jpg"})
        gt_anns.append({"image_id": image_id, "file_name": name + ".png", "segments_info": gi})
        pred_anns.append({"image_id": image_id, "file_name": name + ".png", "segments_info": pi})
    with open(os.path.join(a.out, "gt.json"), "w") as f:
        json.dump({"info": {"description": "synthetic COCO-panoptic-val-scale case"}, "licenses": [],
                   "images": images, "annotations": gt_anns, "categories": cats}, f)
    with open(os.path.join(a.out, "pred.json"), "w") as f:
        json.dump({"annotations": pred_anns}, f)


if __name__ == "__main__":
    main()
