#!/usr/bin/env python3
"""End-to-end benchmark of `deteval panoptic` against panopticapi's pq_compute.

Generates the case once with bench/gen_panoptic_scale.py (5000 images of 640 x 480, cached
in $DETEVAL_BENCH_DIR or ~/.cache/deteval-bench), then runs deteval and the reference
alternately, each in a fresh process under /usr/bin/time -v, and prints wall, user and sys
time, peak RSS and minor faults of every run, the medians, and whether the results agree.

    python3 bench/panoptic_scale.py --panopticapi /work/refs/panopticapi
        [--deteval build/cli/deteval] [--repeat 3] [--ref-repeat 1] [--threads N]
        [--python /usr/bin/python3] [--images 5000] [--unique N]

The reference is panopticapi as fetched (unmodified), outside the project, run by a Python
with numpy and PIL (Debian: python3-numpy, python3-pil); it uses multiprocessing.cpu_count()
workers, its default. Its results are dumped to JSON and compared with deteval's --json (to
1e-12: with several workers its last bits depend on the worker count).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

REF_DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from panopticapi.evaluation import pq_compute
r = pq_compute(sys.argv[2], sys.argv[3], None, None)
json.dump(r, open(sys.argv[4], "w"), default=float)
"""


def case_dir(images, unique):
    root = os.environ.get("DETEVAL_BENCH_DIR", os.path.expanduser("~/.cache/deteval-bench"))
    path = os.path.join(root, "panoptic_val_scale" if images == 5000 else "panoptic_%d" % images)
    if not os.path.exists(os.path.join(path, "pred.json")):
        print(f"generating {path} (once; minutes)...", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_panoptic_scale.py"), "--out", path,
                        "--images", str(images)] + (["--unique", str(unique)] if unique else []), check=True)
    return path


def timed(cmd, cwd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, metrics)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", t.name] + cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
        text = t.read()
    def field(name):
        return re.search(re.escape(name) + r": (.*)", text).group(1).strip()
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(x) for x in wall.split(":")]
    secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
    return p.stdout, {"wall": secs, "user": float(field("User time (seconds)")),
                      "sys": float(field("System time (seconds)")),
                      "rss_mib": int(field("Maximum resident set size (kbytes)")) / 1024,
                      "minor": int(field("Minor (reclaiming a frame) page faults"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deteval", default=os.path.join(HERE, "..", "build", "cli", "deteval"))
    ap.add_argument("--panopticapi", required=True, help="a checkout of cocodataset/panopticapi")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--repeat", type=int, default=3, help="deteval runs")
    ap.add_argument("--ref-repeat", type=int, default=1, help="reference runs (each takes minutes)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--unique", type=int, default=0, help="distinct scenes when generating (default: all)")
    a = ap.parse_args()
    d = case_dir(a.images, a.unique)
    out = tempfile.mkdtemp(prefix="pq-bench-")
    dt_cmd = [os.path.abspath(a.deteval), "panoptic", "--gt-json", "gt.json", "--pred-json", "pred.json",
              "--json", os.path.join(out, "deteval.json"), "--no-per-class"]
    if a.threads:
        dt_cmd += ["--threads", str(a.threads)]
    ref_cmd = [a.python, "-c", REF_DRIVER, os.path.abspath(a.panopticapi), "gt.json", "pred.json",
               os.path.join(out, "ref.json")]
    runs = {"deteval": [], "panopticapi": []}
    table = {}
    for i in range(max(a.repeat, a.ref_repeat)):
        if i < a.repeat:
            text, m = timed(dt_cmd, d)
            runs["deteval"].append(m)
            table["deteval"] = text
            print("deteval     run %d: %s" % (i + 1, m), flush=True)
        if i < a.ref_repeat:
            text, m = timed(ref_cmd, d)
            runs["panopticapi"].append(m)
            table["panopticapi"] = text
            print("panopticapi run %d: %s" % (i + 1, m), flush=True)
    print()
    print("| tool | runs | wall (median) | user | sys | peak RSS | minor faults |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    med = {}
    for tool, ms in runs.items():
        if not ms:
            continue
        med[tool] = {k: statistics.median(m[k] for m in ms) for k in ms[0]}
        x = med[tool]
        print("| %s | %d | %.2f s | %.2f s | %.2f s | %.0f MiB | %d |" % (tool, len(ms), x["wall"], x["user"], x["sys"],
                                                                      x["rss_mib"], x["minor"]))
    if len(med) == 2:
        print("\nspeed-up (median wall): %.1fx" % (med["panopticapi"]["wall"] / med["deteval"]["wall"]))
        dt = json.load(open(os.path.join(out, "deteval.json")))
        ref = json.load(open(os.path.join(out, "ref.json")))
        worst = 0.0
        for g in ("All", "Things", "Stuff"):
            for k in ("pq", "sq", "rq"):
                worst = max(worst, abs(dt[g][k] - ref[g][k]))
            assert dt[g]["n"] == ref[g]["n"], g
        for c, v in ref["per_class"].items():
            for k in ("pq", "sq", "rq"):
                worst = max(worst, abs(dt["per_class"][c][k] - v[k]))
        same_table = table["panopticapi"].find(table["deteval"].strip()) >= 0
        print("largest difference from the reference: %.3g; table identical: %s" % (worst, same_table))
        print(table["deteval"])


if __name__ == "__main__":
    main()
