"""accumulate() from evalImgs as they are: assigned from outside (torchvision's reference
scripts evaluate image batches, merge their evalImgs, then accumulate) or with other
parameters than evaluate() used; equal to pycocotools' arrays."""
import copy
import os
import unittest

import numpy as np

import util
from deteval.cocoeval import COCOeval

SMALL = [c for c in util.cases() if not c[0].startswith("random_large")]


class Accumulate(unittest.TestCase):
    def test_from_assigned_evalimgs_equals_pycocotools(self):
        for case, t in SMALL:
            ref = os.path.join(util.REFS, "eval_arrays", "%s_%s.npz" % (case, t))
            if not os.path.exists(ref):
                continue
            with self.subTest(case=case, iou_type=t):
                gt, dt = util.load(case)
                E, _ = util.evaluate(gt, dt, t, util.case_params(case))
                with util.quiet():
                    E.evalImgs = list(E.evalImgs)
                    E.accumulate()
                r = np.load(ref)
                for name in ("precision", "recall", "scores"):
                    np.testing.assert_array_equal(E.eval[name], r[name], err_msg=name)

    def test_torchvision_merge_of_batches(self):
        # torchvision's CocoEvaluator: evaluate per batch of images, merge, accumulate.
        case, t = "random_medium_200img", "segm"
        gt, dt = util.load(case)
        img_ids = sorted(gt.getImgIds())
        with util.quiet():
            E = COCOeval(gt, dt, t)
            parts = []
            for batch in (img_ids[:70], img_ids[70:150], img_ids[150:]):
                E.cocoDt = dt
                E.params.imgIds = list(batch)
                E.evaluate()
                parts.append(np.asarray(E.evalImgs).reshape(-1, len(E.params.areaRng), len(E.params.imgIds)))
            merged = np.concatenate(parts, axis=2)
            E.evalImgs = list(merged.flatten())
            E.params.imgIds = img_ids
            E._paramsEval = copy.deepcopy(E.params)
            E.accumulate()
            E.summarize()
        r = np.load(os.path.join(util.REFS, "eval_arrays", "%s_%s.npz" % (case, t)))
        for name in ("precision", "recall", "scores"):
            np.testing.assert_array_equal(E.eval[name], r[name], err_msg=name)
        np.testing.assert_allclose(E.stats, r["stats"], rtol=0, atol=1e-12)

    def test_other_parameters(self):
        case, t = "maxdets_truncation", "bbox"
        gt, dt = util.load(case)
        E, _ = util.evaluate(gt, dt, t)
        full = {k: E.eval[k] for k in ("precision", "recall", "scores")}
        p = copy.deepcopy(E.params)
        p.maxDets = [1, 100]
        p.areaRng = p.areaRng[:2]
        p.areaRngLbl = p.areaRngLbl[:2]
        with util.quiet():
            E.accumulate(p)
        self.assertEqual(E.eval["counts"], [10, 101, len(gt.getCatIds()), 2, 2])
        np.testing.assert_array_equal(E.eval["precision"], full["precision"][:, :, :, :2, [0, 2]])
        np.testing.assert_array_equal(E.eval["recall"], full["recall"][:, :, :2, [0, 2]])
        np.testing.assert_array_equal(E.eval["scores"], full["scores"][:, :, :, :2, [0, 2]])

    def test_usecats0_sets_catids_as_pycocotools(self):
        gt, dt = util.load("usecats0")
        E, _ = util.evaluate(gt, dt, "bbox", util.case_params("usecats0"))
        self.assertEqual(E.params.catIds, [-1])  # pycocotools' accumulate overwrites it


if __name__ == "__main__":
    unittest.main()
