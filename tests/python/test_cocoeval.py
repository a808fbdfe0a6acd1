"""deteval.cocoeval.COCOeval on every COCO conformance case: stats to 1e-12, the summary
byte for byte, per-category values, and eval['precision'/'recall'/'scores'] equal to
pycocotools' arrays (fixtures/python/eval_arrays); results from a file, a list of dicts
and an N x 7 array."""
import os
import unittest

import numpy as np

import util
from deteval.coco import COCO


class CocoEvalConformance(unittest.TestCase):
    def check_case(self, case, t, load):
        expected = util.load_json(util.case_path(case, "expected_%s.json" % t))
        with util.quiet():
            gt = COCO(util.case_path(case, "gt.json"))
            dt = gt.loadRes(load(case))
        E, text = util.evaluate(gt, dt, t, util.case_params(case))
        self.assertEqual(E.stats.dtype, np.float64)
        self.assertEqual(E.stats.shape, (12,))
        np.testing.assert_allclose(E.stats, expected["stats"], rtol=0, atol=1e-12)
        self.assertEqual(text, util.read_text(util.case_path(case, "expected_summary_%s.txt" % t)))
        eff = expected["effective_params"]
        self.assertEqual(E.params.maxDets, eff["maxDets"])
        self.assertEqual(list(E.params.iouThrs), eff["iouThrs"])
        if "per_category" in expected:
            got = {c["id"]: c for c in E.per_category()}
            self.assertEqual(set(got), {int(k) for k in expected["per_category"]})
            for k, v in expected["per_category"].items():
                for name, value in v.items():
                    self.assertAlmostEqual(got[int(k)][name], value, delta=1e-12, msg=(case, t, k, name))
        ref = os.path.join(util.REFS, "eval_arrays", "%s_%s.npz" % (case, t))
        if os.path.exists(ref):
            r = np.load(ref)
            for name in ("precision", "recall", "scores"):
                got = E.eval[name]
                self.assertEqual(got.dtype, np.float64)
                self.assertEqual(got.shape, r[name].shape, (case, t, name))
                np.testing.assert_allclose(got, r[name], rtol=0, atol=1e-12, err_msg="%s %s %s" % (case, t, name))
            np.testing.assert_allclose(E.stats, r["stats"], rtol=0, atol=1e-12)
        T, R, K, A, M = E.eval["counts"]
        self.assertEqual(E.eval["precision"].shape, (T, R, K, A, M))
        self.assertEqual(E.eval["recall"].shape, (T, K, A, M))
        return E

    def test_every_case_from_files(self):
        self.assertGreaterEqual(len(util.cases()), 20)
        for case, t in util.cases():
            with self.subTest(case=case, iou_type=t):
                self.check_case(case, t, lambda c: util.case_path(c, "dt.json"))

    def test_every_case_from_a_list_of_dicts(self):
        for case, t in util.cases():
            with self.subTest(case=case, iou_type=t):
                self.check_case(case, t, lambda c: util.load_json(util.case_path(c, "dt.json")))

    def test_numpy_results(self):
        # loadRes(N x 7 array): [image_id, x, y, w, h, score, category_id], boxes only.
        for case in ("basic_mixed_sizes", "score_ties", "degenerate_boxes"):
            with self.subTest(case=case):
                dets = util.load_json(util.case_path(case, "dt.json"))
                data = np.array([[d["image_id"]] + d["bbox"] + [d["score"], d["category_id"]] for d in dets])
                self.check_case(case, "bbox", lambda c: data)

    def test_eval_dict(self):
        with util.quiet():
            gt = COCO(util.case_path("basic_mixed_sizes", "gt.json"))
            dt = gt.loadRes(util.case_path("basic_mixed_sizes", "dt.json"))
        E, _ = util.evaluate(gt, dt, "bbox")
        self.assertEqual(set(E.eval), {"params", "counts", "date", "precision", "recall", "scores"})
        self.assertIs(E.eval["params"], E.params)
        self.assertEqual(E.eval["counts"], [10, 101, len(gt.getCatIds()), 4, 3])
        self.assertEqual(E.params.imgIds, sorted(gt.getImgIds()))
        self.assertEqual(E.params.catIds, sorted(gt.getCatIds()))


if __name__ == "__main__":
    unittest.main()
