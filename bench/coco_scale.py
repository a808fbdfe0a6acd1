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

--ref pycocotools=DIR --ref faster-coco-eval=DIR runs the reference tools (source checkouts
built in place outside the project, run with Debian's /usr/bin/python3 through
bench/ref_eval.py: load GT, loadRes, evaluate, accumulate, summarize) in the same rotation,
on the same files, and prints each one's time over deteval's. A speed ratio is only valid
between tools measured in one run like this: the machine drifts 2-3x between days.

Every run reports wall time, user and system CPU, peak RSS and minor page faults of the
process (wait4's rusage), and the machine's CPU model is printed first.
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


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def measure(cmd):
    """Runs cmd in a fresh process; returns a dict: wall, user, sys, cpu, rss (KiB), faults, phases, AP."""
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
    phases = {}
    if "timings (s):" in stderr:
        tail = stderr.split("timings (s):")[-1].split("\n")[0]
        phases = {k: float(v) for k, v in re.findall(r"([a-z][a-z ]*?) ([0-9.]+)", tail)}
    ap = re.search(r"maxDets=100 \] = ([0-9.]+)", stdout) or re.search(r"^AP ([0-9.]{5})", stdout, re.M)
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "cpu": ru.ru_utime + ru.ru_stime,
            "rss": ru.ru_maxrss, "faults": ru.ru_minflt, "phases": phases, "ap": ap.group(1) if ap else "?"}


def report(label, r, repeat):
    med = {k: statistics.median(x[k] for x in r) for k in ("wall", "user", "sys", "rss", "faults")}
    print(f"{label}: wall {med['wall']:.3f} s (median of {repeat}; best {min(x['wall'] for x in r):.3f}), "
          f"user {med['user']:.3f} s, sys {med['sys']:.3f} s, peak RSS {med['rss'] / 1024:.0f} MiB, "
          f"minor faults {med['faults']:.0f}, AP {r[0]['ap']}")
    if r[0]["phases"]:
        phases = {k: statistics.median(x["phases"].get(k, 0) for x in r) for k in r[0]["phases"]}
        print("   phases (s): " + " | ".join(f"{k} {v:.3f}" for k, v in phases.items()))
    return med["wall"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deteval", default=os.path.join(HERE, "..", "build", "cli", "deteval"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1, choices=[1, 4])
    ap.add_argument("--types", default="bbox,segm")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--compare", help="another deteval binary, run alternately with --deteval")
    ap.add_argument("--ref", action="append", default=[],
                    help="TOOL=DIR: a reference (pycocotools or faster-coco-eval) built in DIR, run in the rotation")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter for --ref (needs numpy)")
    a = ap.parse_args()
    refs = [r.split("=", 1) for r in a.ref]
    d = case_dir(a.scale)
    sizes = {f: os.path.getsize(os.path.join(d, f)) / 1e6 for f in ("gt.json", "dt.json")}
    print(f"case {d}: gt.json {sizes['gt.json']:.1f} MB, dt.json {sizes['dt.json']:.1f} MB; "
          f"{os.cpu_count()} cores, {cpu_model()}")
    builds = [a.deteval] + ([a.compare] if a.compare else [])
    gt, dt = os.path.join(d, "gt.json"), os.path.join(d, "dt.json")
    for t in a.types.split(","):
        cmds = {}
        for b in builds:
            cmds[b] = [b, "coco", "--gt", gt, "--dt", dt, "--iou-type", t, "--timings", "--no-per-class"]
            if a.threads:
                cmds[b] += ["--threads", str(a.threads)]
        for tool, path in refs:
            cmds[tool] = [a.python, os.path.join(HERE, "ref_eval.py"), tool, path, gt, dt, t]
        runs = {k: [] for k in cmds}
        for _ in range(a.repeat):  # alternating, so that every tool sees the same load
            for k, cmd in cmds.items():
                runs[k].append(measure(cmd))
        walls = {}
        for k in cmds:
            label = t if len(cmds) == 1 else f"{t} [{k}]"
            walls[k] = report(label, runs[k], a.repeat)
        for tool, _ in refs:
            print(f"{t}: {tool} / deteval = {walls[tool] / walls[builds[0]]:.1f}x (medians, same run)")
            if runs[tool][0]["ap"] != runs[builds[0]][0]["ap"]:
                print(f"   note: AP differs: {tool} {runs[tool][0]['ap']}, deteval {runs[builds[0]][0]['ap']}")

if __name__ == "__main__":
    main()
