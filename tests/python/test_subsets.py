"""params.imgIds / catIds / useCats and custom recThrs, areaRng, maxDets with pycocotools'
semantics: stats, summary and eval arrays equal pycocotools' (fixtures/python/subsets)."""
import glob
import os
import unittest

import numpy as np

import util
from deteval.coco import COCO


class Subsets(unittest.TestCase):
    def test_recorded_subsets(self):
        files = sorted(glob.glob(os.path.join(util.REFS, "subsets", "*.json")))
        self.assertGreaterEqual(len(files), 5)
        for path in files:
            doc = util.load_json(path)
            with self.subTest(name=os.path.basename(path)):
                with util.quiet():
                    gt = COCO(util.case_path(doc["case"], "gt.json"))
                    dt = gt.loadRes(util.case_path(doc["case"], "dt.json"))
                E, text = util.evaluate(gt, dt, doc["iou_type"], doc["params"])
                self.assertEqual(text, doc["summary"])
                np.testing.assert_allclose(E.stats, doc["stats"], rtol=0, atol=1e-12)
                ref = np.load(path[:-5] + ".npz")
                for name in ("precision", "recall", "scores"):
                    self.assertEqual(E.eval[name].shape, ref[name].shape, name)
                    np.testing.assert_allclose(E.eval[name], ref[name], rtol=0, atol=1e-12, err_msg=name)

    def test_full_lists_are_no_subset(self):
        # Listing every image and category in another order gives the default evaluation.
        case = "noncontiguous_ids"
        with util.quiet():
            gt = COCO(util.case_path(case, "gt.json"))
            dt = gt.loadRes(util.case_path(case, "dt.json"))
        base, _ = util.evaluate(gt, dt, "bbox")
        E, _ = util.evaluate(gt, dt, "bbox", {"imgIds": gt.getImgIds()[::-1], "catIds": gt.getCatIds()[::-1]})
        np.testing.assert_array_equal(E.eval["precision"], base.eval["precision"])
        np.testing.assert_array_equal(E.stats, base.stats)


if __name__ == "__main__":
    unittest.main()
