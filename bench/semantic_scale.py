#!/usr/bin/python3
"""Cityscapes-val-scale semantic segmentation benchmark for `deteval semantic`.

  gen DIR [--images 500] [--height 1024] [--width 2048] [--seed 0] [--unique N]
      writes DIR/gtFine/val/<city>/<city>_<seq>_<frame>_gtFine_{labelIds,instanceIds}.png
      (8-bit label ids, 16-bit instance ids label*1000+k) and DIR/pred/<...>_labelIds.png:
      synthetic street scenes (sky, buildings, road and sidewalks, poles with signs and
      lights, vegetation, 5-25 people and vehicles, some instance groups, ignored regions)
      and predictions with jittered boundaries, class swaps, missed and false objects.
  run DIR --deteval BIN [--reference CITYSCAPESSCRIPTS] [--repeat 3]
      runs `deteval semantic` and (when given) cityscapesScripts' evalPixelLevelSemanticLabeling
      (unmodified, its pure-Python path, as in ../shared/conformance/semantic/README.md)
      alternately on DIR under /usr/bin/time -v, checks that both give the same numbers
      and prints wall / user / sys / peak RSS / minor faults per run.

Needs Debian's /usr/bin/python3 with numpy and PIL (python3-pil); outside the project's build.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

CITIES = ["frankfurt", "lindau", "munster"]
# (label id, has instances): the classes drawn as objects.
OBJECTS = [(24, True), (25, True), (26, True), (26, True), (26, True), (27, True), (28, True), (31, True),
           (32, True), (33, True), (29, True), (30, True)]


def scene(rng, h, w):
    import numpy as np
    lab = np.full((h, w), 23, np.uint8)  # sky
    inst = None
    horizon = int(h * rng.uniform(0.35, 0.5))
    # building / wall / fence / vegetation band, piecewise along x
    x = 0
    while x < w:
        step = int(rng.integers(w // 16, w // 4))
        top = int(h * rng.uniform(0.05, 0.3))
        lab[top:horizon, x:x + step] = rng.choice([11, 11, 11, 12, 13, 21, 15, 16])
        x += step
    lab[horizon:, :] = 7  # road
    side = int(w * rng.uniform(0.1, 0.25))
    lab[horizon:, :side] = 8
    lab[horizon:, w - side:] = 8
    for _ in range(int(rng.integers(1, 4))):  # terrain / parking / ground patches
        y0 = int(rng.integers(horizon, h - 20)); x0 = int(rng.integers(0, w - 40))
        lab[y0:y0 + int(rng.integers(10, h // 8)), x0:x0 + int(rng.integers(20, w // 6))] = rng.choice([22, 9, 6, 10])
    for _ in range(int(rng.integers(2, 8))):  # poles with a sign or a light
        x0 = int(rng.integers(0, w - 8)); pw = int(rng.integers(3, 10))
        top = int(rng.integers(h // 8, horizon))
        lab[top:int(h * 0.7), x0:x0 + pw] = rng.choice([17, 17, 17, 18])
        lab[top - 20:top, max(0, x0 - 8):x0 + pw + 8] = rng.choice([19, 20])
    inst = lab.astype(np.uint16)
    counters = {}
    for _ in range(int(rng.integers(5, 26))):
        cls, _ = OBJECTS[int(rng.integers(0, len(OBJECTS)))]
        oh = int(rng.integers(h // 40, h // 5)); ow = int(oh * (0.4 if cls in (24, 25) else rng.uniform(1.0, 2.5)))
        y0 = int(rng.integers(horizon - oh // 2, h - oh)); x0 = int(rng.integers(0, max(1, w - ow)))
        lab[y0:y0 + oh, x0:x0 + ow] = cls
        if rng.random() < 0.12:
            inst[y0:y0 + oh, x0:x0 + ow] = cls  # a group region
        else:
            k = counters.get(cls, 0); counters[cls] = k + 1
            inst[y0:y0 + oh, x0:x0 + ow] = cls * 1000 + k
    lab[h - h // 10:, w // 3: 2 * w // 3] = 1  # ego vehicle
    inst[h - h // 10:, w // 3: 2 * w // 3] = 1
    lab[:, :4] = 3  # out of roi
    inst[:, :4] = 3
    return lab, inst


def prediction(rng, lab):
    import numpy as np
    pred = np.roll(lab, (int(rng.integers(-6, 7)), int(rng.integers(-6, 7))), axis=(0, 1)).copy()
    h, w = lab.shape
    for _ in range(int(rng.integers(3, 12))):  # confusions and false objects as blobs
        y0 = int(rng.integers(0, h - 40)); x0 = int(rng.integers(0, w - 40))
        pred[y0:y0 + int(rng.integers(8, h // 10)), x0:x0 + int(rng.integers(8, w // 10))] = rng.integers(0, 34)
    swap = {26: 27, 24: 25, 12: 11, 22: 21, 8: 7}
    for a, b in swap.items():
        if rng.random() < 0.3:
            pred[pred == a] = b
    return pred


def gen(args):
    import numpy as np
    from PIL import Image
    import shutil
    rng = np.random.default_rng(args.seed)
    unique = min(args.unique or args.images, args.images)
    made = []
    for i in range(args.images):
        city = CITIES[i % len(CITIES)]
        stem = "%s_%06d_%06d" % (city, i // 20, i % 20 * 19)
        d = os.path.join(args.dir, "gtFine", "val", city)
        os.makedirs(d, exist_ok=True)
        os.makedirs(os.path.join(args.dir, "pred"), exist_ok=True)
        paths = [os.path.join(d, stem + "_gtFine_labelIds.png"), os.path.join(d, stem + "_gtFine_instanceIds.png"),
                 os.path.join(args.dir, "pred", stem + "_labelIds.png")]
        if i < unique:
            lab, inst = scene(rng, args.height, args.width)
            Image.fromarray(lab).save(paths[0])
            Image.fromarray(inst.astype(np.uint16)).save(paths[1])
            Image.fromarray(prediction(rng, lab)).save(paths[2])
            made.append(paths)
        else:  # the content of scene i % unique, in a file of its own
            for src, dst in zip(made[i % unique], paths):
                shutil.copyfile(src, dst)
        if (i + 1) % 50 == 0:
            print("generated", i + 1, file=sys.stderr)


REFERENCE = r"""
import glob, sys, types
q = types.ModuleType("pyquaternion"); q.Quaternion = object; sys.modules["pyquaternion"] = q
sys.path.insert(0, sys.argv[1])
import cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling as E
assert not E.CSUPPORT
gt = sorted(glob.glob(E.args.groundTruthSearch))
pred = [E.getPrediction(E.args, g) for g in gt]
r = E.evaluateImgLists(pred, gt, E.args)
import json
json.dump({k: r[k] for k in ("averageScoreClasses", "averageScoreInstClasses", "averageScoreCategories",
           "averageScoreInstCategories")}, open(sys.argv[2], "w"))
"""


def timed(cmd, env=None, cwd=None):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        start = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", t.name] + cmd, env=env, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - start
        if p.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
        v = t.read()
    get = lambda key: float(re.search(re.escape(key) + r":\s*([\d.]+)", v).group(1))
    return {"wall": wall, "user": get("User time (seconds)"), "sys": get("System time (seconds)"),
            "rss_mib": get("Maximum resident set size (kbytes)") / 1024,
            "minor": int(get("Minor (reclaiming a frame) page faults"))}


def run(args):
    load = os.getloadavg()
    print("load average at start: %.1f %.1f %.1f" % load)
    rows = []
    for rep in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "d.json")
            m = timed([args.deteval, "semantic", "--gt", args.dir, "--pred", os.path.join(args.dir, "pred"),
                       "--json", out])
            d = json.load(open(out))
            rows.append(("deteval", rep, m, d["averageScoreClasses"]))
            if args.reference and rep < args.reference_repeat:
                env = dict(os.environ, CITYSCAPES_DATASET=".", CITYSCAPES_RESULTS="pred", CITYSCAPES_EXPORT_DIR=tmp)
                ref_out = os.path.join(tmp, "r.json")
                m = timed(["/usr/bin/python3", "-u", "-c", REFERENCE, args.reference, ref_out], env=env,
                          cwd=args.dir)
                r = json.load(open(ref_out))
                for k in r:
                    if not (r[k] == d[k] or (r[k] != r[k] and d[k] is None)):
                        sys.exit("mismatch in %s: reference %r, deteval %r" % (k, r[k], d[k]))
                rows.append(("reference", rep, m, r["averageScoreClasses"]))
    print("| tool | run | wall s | user s | sys s | peak RSS MiB | minor faults | mean class IoU |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for tool, rep, m, v in rows:
        print("| %s | %d | %.2f | %.2f | %.2f | %.0f | %d | %r |" % (tool, rep + 1, m["wall"], m["user"], m["sys"],
                                                                  m["rss_mib"], m["minor"], v))
    print("load average at end: %.1f %.1f %.1f" % os.getloadavg())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("dir")
    g.add_argument("--images", type=int, default=500)
    g.add_argument("--height", type=int, default=1024)
    g.add_argument("--width", type=int, default=2048)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--unique", type=int, default=0,
                   help="draw only this many scenes and repeat them (the files stay separate); 0: all")
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--deteval", required=True)
    r.add_argument("--reference", help="a cityscapesScripts checkout (its pure-Python path is used)")
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--reference-repeat", type=int, default=1, help="reference runs (interleaved with the first ones)")
    a = ap.parse_args()
    a.dir = os.path.abspath(a.dir)
    gen(a) if a.cmd == "gen" else run(a)


if __name__ == "__main__":
    main()
