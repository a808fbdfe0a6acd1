#!/usr/bin/env python3
"""deteval's Python package against the deteval CLI and faster-coco-eval, end to end, on
the COCO val2017-scale case (bench/coco_scale.py makes it once and caches it).

Each run is a fresh process; the three tools run alternately, so that all see the same
machine. For the Python tools the figure that counts is the time the API takes in the
process, from COCO(gt) to summarize() printed (load GT, loadRes, evaluate, accumulate,
summarize): the interpreter's start and the imports are shown separately ("process").
For the CLI it is the whole process. CPU time (user + sys of the whole process, the
interpreter's start included) is shown too: on a loaded machine it varies less than wall time.

    /usr/bin/python3 bench/python_coco_scale.py [--build build] [--repeat 3] [--types bbox,segm]
                                                [--fce-path DIR]   # a faster_coco_eval package's parent

faster-coco-eval is not a dependency of the project: build it outside (docs/python.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from coco_scale import case_dir, measure  # noqa: E402

# The same steps for both Python tools; prints one JSON line with the phase times.
RUN = r"""
import json, sys, time, contextlib, io
t0 = time.perf_counter()
tool, gt_file, dt_file, iou = sys.argv[1:5]
if tool == "deteval":
    from deteval.coco import COCO
    from deteval.cocoeval import COCOeval
else:
    from faster_coco_eval import COCO
    from faster_coco_eval import COCOeval_faster as COCOeval
t_import = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(gt_file)
    t_gt = time.perf_counter()
    dt = gt.loadRes(dt_file)
    t_dt = time.perf_counter()
    E = COCOeval(gt, dt, iou)
    E.evaluate()
    t_ev = time.perf_counter()
    E.accumulate()
    t_acc = time.perf_counter()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    E.summarize()
t_sum = time.perf_counter()
print(json.dumps({"import": t_import - t0, "load gt": t_gt - t_import, "load results": t_dt - t_gt,
                  "evaluate": t_ev - t_dt, "accumulate": t_acc - t_ev, "summarize": t_sum - t_acc,
                  "api": t_sum - t_import, "AP": float(E.stats[0])}))
"""


def run_python(tool, env, gt, dt, iou):
    """One fresh interpreter; its own rusage (os.wait4): CPU, peak RSS, minor faults."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([sys.executable, "-c", RUN, tool, gt, dt, iou], env=env, stdout=subprocess.PIPE,
                             stderr=err, text=True)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status  # reaped here, not by Popen
        wall = time.perf_counter() - t0
        if status != 0:
            err.seek(0)
            sys.exit(f"{tool} failed: {err.read()}")
    doc = json.loads(out.strip().splitlines()[-1])
    doc.update(process=wall, cpu=ru.ru_utime + ru.ru_stime, user=ru.ru_utime, sys=ru.ru_stime, rss=ru.ru_maxrss,
               faults=ru.ru_minflt)
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--types", default="bbox,segm")
    ap.add_argument("--fce-path", help="directory holding the faster_coco_eval package (omit to skip it)")
    a = ap.parse_args()
    d = case_dir(1)
    gt, dt = os.path.join(d, "gt.json"), os.path.join(d, "dt.json")
    cli = os.path.join(a.build, "cli", "deteval")
    env = dict(os.environ, PYTHONPATH=os.path.join(a.build, "python"))
    fce_env = dict(os.environ, PYTHONPATH=a.fce_path) if a.fce_path else None
    print(f"case {d}; {os.cpu_count()} cores; {sys.executable}")
    for t in a.types.split(","):
        runs = {"cli": [], "deteval": [], "fce": []}
        for _ in range(a.repeat):
            m = measure([cli, "coco", "--gt", gt, "--dt", dt, "--iou-type", t, "--timings", "--no-per-class"])
            runs["cli"].append({"process": m["wall"], "cpu": m["cpu"], "user": m["user"], "sys": m["sys"],
                                "rss": m["rss"], "faults": m["faults"], "AP": float(m["ap"])})
            runs["deteval"].append(run_python("deteval", env, gt, dt, t))
            if fce_env:
                runs["fce"].append(run_python("faster_coco_eval", fce_env, gt, dt, t))
        med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items() if v}
        c = med["cli"]["process"]
        print(f"\n{t}: median of {a.repeat}, seconds")
        cc = med["cli"]["cpu"]
        print("| tool | API (COCO() .. summarize) | process | vs CLI | process CPU (user + sys) | vs CLI | peak RSS | "
              "minor faults | load gt | load results | evaluate | accumulate | AP |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        mc = med["cli"]
        print(f"| deteval CLI | | {c:.3f} | 1.00 | {cc:.3f} ({mc['user']:.2f} + {mc['sys']:.2f}) | 1.00 | "
              f"{mc['rss'] / 1024:.0f} MiB | {mc['faults']:.0f} | | | | | {runs['cli'][0]['AP']!r} |")
        for k, name in (("deteval", "deteval (Python)"), ("fce", "faster-coco-eval")):
            if k not in med:
                continue
            m = med[k]
            print(f"| {name} | {m['api']:.3f} | {m['process']:.3f} | {m['api'] / c:.2f} | {m['cpu']:.3f} "
                  f"({m['user']:.2f} + {m['sys']:.2f}) | {m['cpu'] / cc:.2f} | {m['rss'] / 1024:.0f} MiB | "
                  f"{m['faults']:.0f} | {m['load gt']:.3f} | "
                  f"{m['load results']:.3f} | {m['evaluate']:.3f} | {m['accumulate']:.3f} | {runs[k][0]['AP']!r} |")


if __name__ == "__main__":
    main()
