"""COCOeval(gt, dt, "keypoints") through the Python API: every case of fixtures/keypoints
equals pycocotools' stats (1e-12) and summary text, with the case's params (custom
kpt_oks_sigmas) set the way pycocotools users set them; sigmas of the wrong length raise."""
import os
import unittest

import numpy as np

from util import ROOT, evaluate, load_json, quiet, read_text

from deteval.coco import COCO

CASES = os.path.join(ROOT, "fixtures", "keypoints")


def cases():
    return [c for c in sorted(os.listdir(CASES)) if os.path.exists(os.path.join(CASES, c, "expected_keypoints.json"))]


def load(case):
    with quiet():
        gt = COCO(os.path.join(CASES, case, "gt.json"))
        return gt, gt.loadRes(os.path.join(CASES, case, "dt.json"))


class Keypoints(unittest.TestCase):
    def test_every_case_equals_pycocotools(self):
        self.assertGreaterEqual(len(cases()), 8)
        for case in cases():
            want = load_json(os.path.join(CASES, case, "expected_keypoints.json"))
            overrides = {k: np.array(v, dtype=np.float64) if k == "kpt_oks_sigmas" else v
                         for k, v in want["params"].items()}
            gt, dt = load(case)
            E, text = evaluate(gt, dt, "keypoints", overrides)
            self.assertEqual(len(E.stats), 10, case)
            for got, exp, name in zip(E.stats, want["stats"], want["stat_names"]):
                self.assertLessEqual(abs(got - exp), 1e-12, (case, name))
            self.assertEqual(text, read_text(os.path.join(CASES, case, "expected_summary_keypoints.txt")), case)

    def test_the_sigmas_change_the_numbers(self):
        case = "custom_sigmas"
        gt, dt = load(case)
        default, _ = evaluate(gt, dt, "keypoints")
        custom, _ = evaluate(gt, dt, "keypoints",
                             {"kpt_oks_sigmas": np.array(load_json(os.path.join(CASES, case, "params.json"))["kpt_oks_sigmas"])})
        self.assertNotEqual(list(default.stats), list(custom.stats))

    def test_sigmas_of_the_wrong_length_raise(self):
        gt, dt = load("basic_poses")
        with self.assertRaises(ValueError) as cm:
            evaluate(gt, dt, "keypoints", {"kpt_oks_sigmas": np.array([0.05] * 5)})
        self.assertIn("kpt_oks_sigmas", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
