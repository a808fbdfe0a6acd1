#!/usr/bin/env python3
"""End-to-end benchmark of `deteval coco` on the COCO val2017-scale case.

Generates the case once with ../shared/bench/gen_coco_scale.py (cached outside the
repository, in $DETEVAL_BENCH_DIR or ~/.cache/deteval-bench), then runs
`deteval coco --timings` for bbox and segm in fresh processes and prints the median
wall time, CPU time, peak RSS and the phase breakdown deteval reports.

    python3 bench/coco_scale.py [--deteval build/cli/deteval] [--repeat 3]
                                [--scale 1|4] [--types bbox,segm] [--threads N]
                                [--compare OTHER_DETEVAL]

--compare runs another build (an older commit, say) alternately with this one, so that
both see the same conditions on a shared machine; both are reported.

--scale 4 times a case with 4x the detections (2x the images, 2x detections per image).
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT, ERR = "/tmp/deteval-bench.out", "/tmp/deteval-bench.err"
GEN = os.path.join(HERE, "..", "..", "shared", "bench", "gen_coco_scale.py")


def case_dir(scale):
    root = os.environ.get("DETEVAL_BENCH_DIR", os.path.expanduser("~/.cache/deteval-bench"))
    name = {1: "val2017_scale", 4: "val2017_scale_x4"}[scale]
    path = os.path.join(root, name)
    if not os.path.exists(os.path.join(path, "dt.json")):
        args = ["--images", "5000", "--dets-per-image", "100"] if scale == 1 else \
               ["--images", "10000", "--dets-per-image", "200"]
        print(f"generating {path} (once; a few minutes)...", file=sys.stderr)
        subprocess.run([sys.executable, GEN, "--out", path] + args, check=True)
    return path


def measure(cmd):
    """Runs cmd in a fresh process; returns wall, CPU seconds, peak RSS (KiB), phases, AP."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        out = os.open(OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(ERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.execv(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    stdout, stderr = open(OUT).read(), open(ERR).read()
    if status != 0:
        sys.exit(f"deteval failed ({status}): {stderr}")
    phases = {k: float(v) for k, v in re.findall(r"([a-z][a-z ]*?) ([0-9.]+)", stderr.split("timings (s):")[-1])}
    ap = re.search(r"maxDets=100 \] = ([0-9.]+)", stdout).group(1)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, phases, ap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deteval", default=os.path.join(HERE, "..", "build", "cli", "deteval"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1, choices=[1, 4])
    ap.add_argument("--types", default="bbox,segm")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--compare", help="another deteval binary, run alternately with --deteval")
    a = ap.parse_args()
    d = case_dir(a.scale)
    sizes = {f: os.path.getsize(os.path.join(d, f)) / 1e6 for f in ("gt.json", "dt.json")}
    print(f"case {d}: gt.json {sizes['gt.json']:.1f} MB, dt.json {sizes['dt.json']:.1f} MB; "
          f"{os.cpu_count()} cores")
    builds = [a.deteval] + ([a.compare] if a.compare else [])
    for t in a.types.split(","):
        runs = {b: [] for b in builds}
        for _ in range(a.repeat):  # alternating, so that both builds see the same load
            for b in builds:
                cmd = [b, "coco", "--gt", os.path.join(d, "gt.json"), "--dt", os.path.join(d, "dt.json"),
                       "--iou-type", t, "--timings", "--no-per-class"]
                if a.threads:
                    cmd += ["--threads", str(a.threads)]
                runs[b].append(measure(cmd))
        for b in builds:
            r = runs[b]
            wall = statistics.median(x[0] for x in r)
            cpu = statistics.median(x[1] for x in r)
            rss = statistics.median(x[2] for x in r) / 1024
            phases = {k: statistics.median(x[3].get(k, 0) for x in r) for k in r[0][3]}
            label = t if len(builds) == 1 else f"{t} [{b}]"
            print(f"{label}: wall {wall:.3f} s (median of {a.repeat}; best {min(x[0] for x in r):.3f}), "
                  f"cpu {cpu:.3f} s, peak RSS {rss:.0f} MiB, AP {r[0][4]}")
            print("   phases (s): " + " | ".join(f"{k} {v:.3f}" for k, v in phases.items()))

if __name__ == "__main__":
    main()
