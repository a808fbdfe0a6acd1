#!/usr/bin/env python3
"""End-to-end benchmark of `deteval lvis` on an LVIS v1 val-scale case, with lvis-api on a
10% slice of the same case in the same run.

The case comes from bench/gen_lvis_scale (build it: `cmake --build build --target
gen_lvis_scale`), cached outside the repository in $DETEVAL_BENCH_DIR or
~/.cache/deteval-bench: lvis_v1_val_scale (19,809 images, 300 detections per image) and
lvis_v1_val_scale_10pct (its first 1,981 images: the generator makes image i from (seed, i)
alone, so the slice is the same data).

    python3 bench/lvis_scale.py [--deteval build/cli/deteval] [--repeat 3] [--types bbox,segm]
        [--lvis-api PYTHONPATH]   # e.g. /work/refs/lvis/stubs:/work/refs/cocoapi/PythonAPI:/work/refs/lvis/lvis-api
        [--ref-types bbox]        # the IoU types lvis-api is timed on (minutes each)

Prints for each type: deteval's median wall time, CPU time, peak RSS and minor faults on
the full case and on the slice, lvis-api's on the slice, the slice's speed ratio, and
whether both printed the same summary on the slice.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT, ERR = "/tmp/deteval-lvis-bench.out", "/tmp/deteval-lvis-bench.err"
FULL_IMAGES = 19809
SLICE_IMAGES = (FULL_IMAGES + 9) // 10

REF_SCRIPT = r"""
import sys
from lvis import LVIS, LVISResults, LVISEval
gt = LVIS(sys.argv[1])
E = LVISEval(gt, LVISResults(gt, sys.argv[2]), sys.argv[3])
E.evaluate(); E.accumulate(); E.summarize(); E.print_results()
"""


def case(gen, images, name):
    root = os.environ.get("DETEVAL_BENCH_DIR", os.path.expanduser("~/.cache/deteval-bench"))
    path = os.path.join(root, name)
    if not os.path.exists(os.path.join(path, "gt.json")):
        print(f"generating {path} (once)...", file=sys.stderr)
        subprocess.run([gen, "--out", path, "--images", str(images)], check=True)
    return path


def measure(cmd, env=None):
    """Runs cmd in a fresh process: wall, CPU seconds, peak RSS (KiB), minor faults, stdout, stderr."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.dup2(os.open(OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
        os.dup2(os.open(ERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
        os.execve(cmd[0], cmd, env or os.environ)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    stdout, stderr = open(OUT).read(), open(ERR).read()
    if status != 0:
        sys.exit(f"{cmd[0]} failed ({status}): {stderr[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, ru.ru_minflt, stdout, stderr


def report(label, runs):
    wall = statistics.median(r[0] for r in runs)
    print(f"{label}: wall {wall:.2f} s (median of {len(runs)}; best {min(r[0] for r in runs):.2f}), "
          f"cpu {statistics.median(r[1] for r in runs):.2f} s, peak RSS {statistics.median(r[2] for r in runs) / 1024:.0f} MiB, "
          f"minor faults {statistics.median(r[3] for r in runs):.0f}")
    phases = runs[0][5].split("timings (s):")[-1].strip() if "timings (s):" in runs[0][5] else ""
    if phases:
        print(f"   phases (s, first run): {phases}")
    ap = re.search(r"catIds=all\] = ([-0-9.]+)", runs[0][4])
    print(f"   AP {ap.group(1) if ap else '?'}")
    return wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deteval", default=os.path.join(HERE, "..", "build", "cli", "deteval"))
    ap.add_argument("--gen", default=os.path.join(HERE, "..", "build", "bench", "gen_lvis_scale"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--types", default="bbox,segm")
    ap.add_argument("--lvis-api", help="PYTHONPATH under which `import lvis` works (lvis-api + pycocotools)")
    ap.add_argument("--ref-types", default="bbox")
    ap.add_argument("--python", default="/usr/bin/python3")
    a = ap.parse_args()
    full = case(a.gen, FULL_IMAGES, "lvis_v1_val_scale")
    part = case(a.gen, SLICE_IMAGES, "lvis_v1_val_scale_10pct")
    for d in (full, part):
        sizes = {f: os.path.getsize(os.path.join(d, f)) / 1e6 for f in ("gt.json", "dt.json")}
        print(f"case {d}: gt.json {sizes['gt.json']:.1f} MB, dt.json {sizes['dt.json']:.1f} MB")
    print(f"{os.cpu_count()} cores")

    for t in a.types.split(","):
        def det(d):
            return [a.deteval, "lvis", "--gt", os.path.join(d, "gt.json"), "--dt", os.path.join(d, "dt.json"),
                    "--iou-type", t, "--timings", "--quiet"]
        report(f"deteval {t}, full case", [measure(det(full)) for _ in range(a.repeat)])
        if a.lvis_api and t in a.ref_types.split(","):
            env = dict(os.environ, PYTHONPATH=a.lvis_api)
            ref_cmd = [a.python, "-c", REF_SCRIPT, os.path.join(part, "gt.json"), os.path.join(part, "dt.json"), t]
            ours, theirs = [], []
            for _ in range(max(1, min(a.repeat, 2))):  # alternating; lvis-api takes minutes
                ours.append(measure(det(part)))
                theirs.append(measure(ref_cmd, env))
            w_ours = report(f"deteval {t}, 10% slice", ours)
            w_ref = report(f"lvis-api {t}, 10% slice", theirs)
            print(f"   ratio on the slice: lvis-api / deteval = {w_ref / w_ours:.0f}x; "
                  f"summaries {'identical' if ours[0][4] == theirs[0][4] else 'DIFFER'}")


if __name__ == "__main__":
    main()
