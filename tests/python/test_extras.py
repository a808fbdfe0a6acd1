"""What deteval adds to pycocotools' API: threads (bit-identical results), the CLI's JSON,
per-category figures with names, analyses, the HTML report and curves, stage callbacks and
interruption (Ctrl-C between stages), lazy Python-side views."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import numpy as np

import util
from deteval.coco import COCO
from deteval.cocoeval import COCOeval

CLI = os.environ.get("DETEVAL_CLI", "")


class Extras(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_large_buffers_are_advised_where_the_system_has_huge_pages(self):
        from deteval import _core
        path = "/sys/kernel/mm/transparent_hugepage/enabled"
        mode = open(path).read() if os.path.exists(path) else ""
        self.assertEqual(_core.huge_pages_in_use(), "[always]" in mode or "[madvise]" in mode)

    def test_threads_give_identical_results(self):
        gt, dt = util.load("random_medium_200img")
        one, _ = util.evaluate(gt, dt, "segm", threads=1)
        two, _ = util.evaluate(gt, dt, "segm", threads=2, device="cpu")
        for name in ("precision", "recall", "scores"):
            np.testing.assert_array_equal(one.eval[name], two.eval[name])
        np.testing.assert_array_equal(one.stats, two.stats)

    def test_json_equals_the_cli(self):
        if not CLI:
            self.skipTest("DETEVAL_CLI is not set (ctest sets it)")
        case = "noncontiguous_ids"
        gt, dt = util.load(case)
        E, _ = util.evaluate(gt, dt, "segm")
        out = os.path.join(self.dir, "cli.json")
        subprocess.run([CLI, "coco", "--gt", util.case_path(case, "gt.json"), "--dt", util.case_path(case, "dt.json"),
                        "--iou-type", "segm", "--quiet", "--json", out], check=True, capture_output=True)
        self.assertEqual(E.to_json(), util.load_json(out))
        analysis = E.analyze(bootstrap=20, seed=3)
        subprocess.run([CLI, "coco", "--gt", util.case_path(case, "gt.json"), "--dt", util.case_path(case, "dt.json"),
                        "--iou-type", "segm", "--quiet", "--json", out, "--bootstrap", "20", "--seed", "3"],
                       check=True, capture_output=True)
        self.assertEqual(analysis, util.load_json(out)["analysis"])

    def test_per_category_and_analyses(self):
        gt, dt = util.load("basic_mixed_sizes")
        E, _ = util.evaluate(gt, dt, "bbox")
        cats = E.per_category()
        self.assertEqual([c["id"] for c in cats], sorted(gt.getCatIds()))
        self.assertEqual([c["name"] for c in cats], [gt.cats[i]["name"] for i in sorted(gt.getCatIds())])
        expected = util.load_json(util.case_path("basic_mixed_sizes", "expected_bbox.json"))["per_category"]
        for c in cats:
            self.assertAlmostEqual(c["AP"], expected[str(c["id"])]["AP"], delta=1e-12)
        a = E.analyze(iou=0.75, score_thr=0.3)
        self.assertIn("operating_point", a)
        self.assertIn("errors", a)
        self.assertIn("confusion_matrix", a)
        with self.assertRaisesRegex(ValueError, "IoU thresholds"):
            E.analyze(iou=0.33)

    def test_report_and_curves(self):
        gt, dt = util.load("crowd_regions")
        E, _ = util.evaluate(gt, dt, "segm")
        html = os.path.join(self.dir, "r.html")
        E.report(html)
        text = util.read_text(html)
        self.assertTrue(text.startswith("<!DOCTYPE html>") or text.startswith("<!doctype html>"))
        self.assertIn("person", text)
        csv = os.path.join(self.dir, "c.csv")
        E.curves(csv)
        self.assertTrue(util.read_text(csv).startswith("category_id,category,iou,area,max_dets,recall,precision,score"))
        with self.assertRaises(ValueError):
            E.curves(os.path.join(self.dir, "c.txt"))
        with self.assertRaises(OSError):
            E.report(os.path.join(self.dir, "no_such_dir", "r.html"))

    def test_stages_and_interruption(self):
        gt, dt = util.load("random_medium_200img")
        seen = []
        with util.quiet():
            E = COCOeval(gt, dt, "bbox")
            E.on_stage = seen.append
            E.evaluate()
        self.assertEqual(seen, ["cells", "iou", "matching", "accumulation"])

        def interrupt(stage):
            if stage == "iou":
                signal.raise_signal(signal.SIGINT)  # as Ctrl-C during the evaluation

        with util.quiet():
            E = COCOeval(gt, dt, "bbox")
            E.on_stage = interrupt
            with self.assertRaises(KeyboardInterrupt):
                E.evaluate()
            E.on_stage = None  # the same object evaluates again, cleanly
            E.evaluate()
            E.accumulate()
        reference, _ = util.evaluate(gt, dt, "bbox")
        np.testing.assert_array_equal(E.eval["precision"], reference.eval["precision"])

    def test_lazy_views(self):
        gt, dt = util.load("score_ties")
        self.assertIsNone(gt._index)
        self.assertIsNone(dt._data)
        E, _ = util.evaluate(gt, dt, "bbox")
        self.assertIsNone(gt._index)  # evaluating did not need pycocotools' dicts
        self.assertIsNone(dt._data)
        doc = util.load_json(util.case_path("score_ties", "gt.json"))
        self.assertEqual(gt.dataset, doc)
        self.assertEqual(len(dt.anns), len(util.load_json(util.case_path("score_ties", "dt.json"))))
        self.assertEqual(dt.anns[1]["iscrowd"], 0)

    def test_edited_dataset_is_evaluated(self):
        # After createIndex(), the dataset as edited is what gets evaluated.
        gt, dt = util.load("basic_mixed_sizes")
        base, _ = util.evaluate(gt, dt, "bbox")
        gt.dataset["annotations"] = gt.dataset["annotations"][: len(gt.dataset["annotations"]) // 2]
        with util.quiet():
            gt.createIndex()
        E, _ = util.evaluate(gt, dt, "bbox")
        self.assertNotEqual(E.stats.tolist(), base.stats.tolist())
        with util.quiet():
            fresh = COCO()
            fresh.dataset = util.load_json(util.case_path("basic_mixed_sizes", "gt.json"))
            fresh.createIndex()
            dt2 = fresh.loadRes(util.case_path("basic_mixed_sizes", "dt.json"))
        again, _ = util.evaluate(fresh, dt2, "bbox")
        np.testing.assert_array_equal(again.eval["precision"], base.eval["precision"])


if __name__ == "__main__":
    unittest.main()
