"""COCOeval.evalImgs and COCOeval.ious, built on request, equal pycocotools'
(fixtures/python/evalimgs, fixtures/python/ious)."""
import glob
import os
import unittest

import numpy as np

import util


class EvalImgs(unittest.TestCase):
    def recorded(self, kind):
        """(case, iou type, pycocotools' recorded value, deteval's COCOeval) for each
        fixtures/python/<kind>/ file."""
        files = sorted(glob.glob(os.path.join(util.REFS, kind, "*.json")))
        self.assertGreaterEqual(len(files), 3)
        out = []
        for path in files:
            case, t = os.path.basename(path)[:-5].rsplit("_", 1)
            E, _ = util.evaluate(*util.load(case), t, util.case_params(case))
            out.append((case, t, util.load_json(path), E))
        return out

    def test_recorded(self):
        for case, t, ref, E in self.recorded("evalimgs"):
            with self.subTest(case=case, iou_type=t):
                got = E.evalImgs
                self.assertEqual(len(got), len(ref))
                self.assertEqual([g is None for g in got], [r is None for r in ref])
                for g, r in zip(got, ref):
                    if r is None:
                        continue
                    self.assertEqual(set(g), set(r))
                    for key in ("image_id", "category_id", "aRng", "maxDet", "dtIds", "gtIds", "dtScores"):
                        self.assertEqual(g[key], r[key], key)
                    for key in ("dtMatches", "gtMatches", "gtIgnore", "dtIgnore"):
                        self.assertIsInstance(g[key], np.ndarray)
                        np.testing.assert_array_equal(g[key], np.array(r[key]).reshape(g[key].shape), key)
                    self.assertEqual(g["dtIgnore"].dtype, np.bool_)

    def test_ious_recorded(self):
        for case, t, ref, E in self.recorded("ious"):
            with self.subTest(case=case, iou_type=t):
                got = {"%d,%d" % k: v for k, v in E.ious.items()}
                self.assertEqual(set(got), set(ref))
                for key, r in ref.items():
                    g = got[key]
                    if not len(r):
                        self.assertEqual(g, [], key)
                        continue
                    self.assertEqual((g.dtype, g.shape), (np.float64, (len(r), len(r[0]))), key)
                    self.assertTrue(g.flags.f_contiguous)
                    self.assertEqual(g.tolist(), r, key)


if __name__ == "__main__":
    unittest.main()
