"""Ctrl-C during long C++ work (python/src/interrupt.hpp): a SIGINT that arrives while the
engine works with the GIL released stops it from inside the stage it is in, as
KeyboardInterrupt, and the module then evaluates correctly in the same process.

The scenario runs in a child interpreter (a broken handler cannot take the test runner
down). Timing bounds are loose on purpose: the interrupt must arrive in well under half of
the stage it cut short, where a check only between stages would need the rest of it.
"""
import json
import os
import subprocess
import sys
import unittest

import util

CHILD = r'''
import json, os, signal, sys, threading, time
import numpy as np
from deteval import _core
from deteval.cocoeval import COCOeval, Params, _engine_params
sys.path.insert(0, sys.argv[1])
import util

# One category, crowded images: 40 ground truths and 100 detections piled on one spot per
# image, so that matching (10 thresholds x 100 x 40 per image) takes a while on one thread.
rng = np.random.default_rng(0)
I, G, D = 1500, 40, 100
gt_boxes = rng.uniform(0, 8, (I, G, 4)) + [100, 100, 50, 50]
dt_boxes = rng.uniform(0, 8, (I, D, 4)) + [100, 100, 50, 50]
scores = rng.uniform(0, 1, (I, D))
gt = {"images": [{"id": i + 1, "width": 640, "height": 480} for i in range(I)],
      "categories": [{"id": 1, "name": "thing"}],
      "annotations": [{"id": i * G + g + 1, "image_id": i + 1, "category_id": 1, "iscrowd": 0,
                       "bbox": [round(float(x), 3) for x in gt_boxes[i, g]],
                       "area": float(gt_boxes[i, g, 2] * gt_boxes[i, g, 3])}
                      for i in range(I) for g in range(G)]}
dt = [{"image_id": i + 1, "category_id": 1, "bbox": [round(float(x), 3) for x in dt_boxes[i, d]],
       "score": round(float(scores[i, d]), 5)} for i in range(I) for d in range(D)]
g = _core.parse_gt(json.dumps(gt).encode(), "gt", "bbox")
r = _core.parse_results(json.dumps(dt).encode(), "dt", g, "bbox")
params = _engine_params(Params("bbox"))
out = {"threads_before": threading.active_count()}

t0 = time.monotonic()
ev = _core.evaluate(g, r, params, None, None, 1, "cpu", None)
out["full"] = time.monotonic() - t0
out["matching"] = ev.timings["matching"]
reference = ev.precision

# Evaluate again; a timer thread sends SIGINT a little into the matching stage.
sent = {}
def send():
    sent["t"] = time.monotonic()
    os.kill(os.getpid(), signal.SIGINT)
def on_stage(stage):
    if stage == "matching":
        threading.Timer(0.1 * out["matching"], send).start()
try:
    _core.evaluate(g, r, params, None, None, 1, "cpu", on_stage)
    out["eval_interrupted"] = False
except KeyboardInterrupt:
    out["eval_interrupted"] = True
    out["eval_latency"] = time.monotonic() - sent["t"]

# The analyses: without a bootstrap, then with one that would run for hours (a million
# replicates), interrupted once the rest of the analyses are done.
t0 = time.monotonic()
ev.to_json(True, 0.5, 0.5, 0, 0, 1)
out["analysis_base"] = time.monotonic() - t0
timer = threading.Timer(out["analysis_base"] + 0.2, send)
t0 = time.monotonic()
timer.start()
try:
    ev.to_json(True, 0.5, 0.5, 1000000, 0, 1)
    out["analysis_interrupted"] = False
except KeyboardInterrupt:
    out["analysis_interrupted"] = True
    out["analysis_latency"] = time.monotonic() - sent["t"]
    out["analysis_total"] = time.monotonic() - t0

# The same process evaluates on: the big case gives its numbers again, and a conformance
# case gives pycocotools' values.
again = _core.evaluate(g, r, params, None, None, 0, "cpu", None)
out["same_again"] = bool(np.array_equal(again.precision, reference))
coco_gt, coco_dt = util.load("random_medium_200img")
E, _ = util.evaluate(coco_gt, coco_dt, "bbox")
out["stats"] = [float(x) for x in E.stats]
for t in threading.enumerate():
    if t is not threading.main_thread():
        t.join()
out["threads_after"] = threading.active_count()
print(json.dumps(out))
'''


class InterruptTest(unittest.TestCase):
    def test_ctrl_c_stops_inside_a_stage_and_the_module_goes_on(self):
        here = os.path.dirname(os.path.abspath(__file__))
        proc = subprocess.run([sys.executable, "-c", CHILD, here], capture_output=True, text=True, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout.strip().splitlines()[-1])

        self.assertTrue(out["eval_interrupted"], out)
        # Sent 10% into matching: between-stage checks would need the other 90%.
        self.assertLess(out["eval_latency"], 0.5 * out["matching"], out)
        self.assertTrue(out["analysis_interrupted"], out)
        # A replicate takes milliseconds; the uninterrupted call, hours.
        self.assertLess(out["analysis_latency"], max(1.0, out["analysis_base"]), out)

        self.assertTrue(out["same_again"])
        expected = util.load_json(util.case_path("random_medium_200img", "expected_bbox.json"))["stats"]
        for got, want in zip(out["stats"], expected):
            self.assertAlmostEqual(got, want, delta=1e-12)
        self.assertEqual(out["threads_after"], out["threads_before"])


if __name__ == "__main__":
    unittest.main()
