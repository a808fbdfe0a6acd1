"""Bad input raises a Python exception carrying the CLI's located message: ValueError for
invalid content, OSError for files; never a crash."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import util
from deteval.coco import COCO
from deteval.cocoeval import COCOeval

CLI = os.environ.get("DETEVAL_CLI", "")
CASE = "basic_mixed_sizes"


class Errors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.gt_path = util.case_path(CASE, "gt.json")
        self.gt_doc = util.load_json(self.gt_path)
        self.dets = util.load_json(util.case_path(CASE, "dt.json"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def cli_message(self, gt, dt, *args):
        """What `deteval coco` says about the same files (without its 'deteval: error: ')."""
        if not CLI:
            self.skipTest("DETEVAL_CLI is not set (ctest sets it)")
        r = subprocess.run([CLI, "coco", "--gt", gt, "--dt", dt, "--quiet", *args], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        return r.stderr.strip().split("deteval: error: ", 1)[1]

    def evaluate(self, gt, dt, iou_type="bbox"):
        with util.quiet():
            E = COCOeval(gt, dt, iou_type)
            E.evaluate()

    def test_missing_files(self):
        with util.quiet():
            with self.assertRaisesRegex(OSError, "no_such_gt.json"):
                COCO(os.path.join(self.dir, "no_such_gt.json"))
            gt = COCO(self.gt_path)
            with self.assertRaises(OSError):
                gt.loadRes(os.path.join(self.dir, "no_such_dt.json"))

    def test_invalid_ground_truth(self):
        self.gt_doc["annotations"][3]["bbox"] = [1, 2, 3]
        bad = self.write("gt.json", self.gt_doc)
        with util.quiet():
            with self.assertRaises(ValueError) as cm:
                COCO(bad)
        self.assertIn("annotations", str(cm.exception))
        self.assertIn("[3]", str(cm.exception))
        self.assertEqual(str(cm.exception), self.cli_message(bad, util.case_path(CASE, "dt.json")))
        with util.quiet():
            with self.assertRaisesRegex(ValueError, "gt.json"):
                COCO(self.write("gt.json", "{\"images\": [}"))

    def test_invalid_results_file(self):
        self.dets[5]["bbox"] = [1, 2, 3]
        bad = self.write("dt.json", self.dets)
        with util.quiet():
            gt = COCO(self.gt_path)
            dt = gt.loadRes(bad)
        with self.assertRaises(ValueError) as cm:
            self.evaluate(gt, dt)
        self.assertIn("[5].bbox", str(cm.exception))
        self.assertEqual(str(cm.exception), self.cli_message(self.gt_path, bad))

    def test_invalid_results_list(self):
        self.dets[2]["score"] = "high"
        with util.quiet():
            gt = COCO(self.gt_path)
            dt = gt.loadRes(self.dets)
        with self.assertRaisesRegex(ValueError, r"loadRes: \[2\]\.score"):
            self.evaluate(gt, dt)
        with self.assertRaises(ValueError), util.quiet():
            gt.loadRes({"not": "a list"})

    def test_results_on_unknown_image(self):
        self.dets[0]["image_id"] = 987654
        bad = self.write("dt.json", self.dets)
        with util.quiet():
            gt = COCO(self.gt_path)
            dt = gt.loadRes(bad)
        with self.assertRaisesRegex(ValueError, "987654") as cm:
            self.evaluate(gt, dt)
        self.assertEqual(str(cm.exception), self.cli_message(self.gt_path, bad))

    def test_unknown_categories_are_dropped_with_a_warning(self):
        with util.quiet():
            gt = COCO(self.gt_path)
            base = gt.loadRes(self.dets)
            extra = gt.loadRes(self.dets + [dict(self.dets[0], category_id=999, score=1.0)])
        E0, _ = util.evaluate(gt, base, "bbox")
        with self.assertWarnsRegex(UserWarning, "ignored 1 results"):
            E1, _ = util.evaluate(gt, extra, "bbox")
        np.testing.assert_array_equal(E0.stats, E1.stats)

    def test_bad_params(self):
        with util.quiet():
            gt = COCO(self.gt_path)
            dt = gt.loadRes(util.case_path(CASE, "dt.json"))
        for name, value in (("iouThrs", np.array([0.5, 1.5])), ("maxDets", [0, 10, 100]),
                            ("areaRngLbl", ["all"])):
            with self.subTest(param=name), util.quiet():
                E = COCOeval(gt, dt, "bbox")
                setattr(E.params, name, value)
                with self.assertRaises(ValueError):
                    E.evaluate()
        with util.quiet():
            E = COCOeval(gt, dt, "bbox")
            E.params.maxDets = [1, 10]
            E.evaluate()
            E.accumulate()
        with self.assertRaises(ValueError):
            E.summarize()  # pycocotools reads maxDets[2]
        with self.assertRaisesRegex(ValueError, "iouType"), util.quiet():
            COCOeval(gt, dt, "boxes").evaluate()
        with self.assertRaisesRegex(ValueError, "device"), util.quiet():
            COCOeval(gt, dt, "bbox", device="gpu").evaluate()


if __name__ == "__main__":
    unittest.main()
