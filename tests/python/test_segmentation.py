"""deteval.panoptic and deteval.semantic: every conformance case of fixtures/panoptic and
fixtures/semantic through the Python API equals the references' values (1e-12), from files
and from the same images decoded into numpy arrays; refusals raise ValueError/OSError with
a located message; label-map scores equal an independent numpy computation."""
import glob
import json
import math
import os
import unittest

import numpy as np

from util import ROOT, quiet  # noqa: F401  (quiet: stdout kept clean)

from deteval import panoptic, semantic

PANOPTIC = os.path.join(ROOT, "fixtures", "panoptic")
SEMANTIC = os.path.join(ROOT, "fixtures", "semantic")


def case_dirs(root, rejected):
    return [os.path.join(root, d) for d in sorted(os.listdir(root))
            if os.path.isdir(os.path.join(root, d)) and d.startswith("reject_") == rejected]


def load(path):
    with open(path) as f:
        return json.load(f)


class Close:
    def assert_close(self, got, want, where):
        if want is None or (isinstance(want, float) and math.isnan(want)):
            self.assertIsNone(got, where)
        else:
            self.assertIsNotNone(got, where)
            self.assertLessEqual(abs(got - want), 1e-12, where)


class Panoptic(unittest.TestCase, Close):
    def test_every_case_equals_panopticapi(self):
        cases = case_dirs(PANOPTIC, False)
        self.assertGreaterEqual(len(cases), 9)
        for case in cases:
            want = load(os.path.join(case, "expected.json"))
            got = panoptic.pq_compute(os.path.join(case, "gt.json"), os.path.join(case, "pred.json"), verbose=False)
            for group in ("All", "Things", "Stuff"):
                for key in ("pq", "sq", "rq"):
                    self.assert_close(got[group][key], want[group][key], (case, group, key))
                self.assertEqual(got[group]["n"], want[group]["n"], (case, group))
            self.assertEqual(sorted(got["per_class"]), sorted(int(k) for k in want["per_class"]), case)
            for k, v in want["per_class"].items():
                for key in ("pq", "sq", "rq"):
                    self.assert_close(got["per_class"][int(k)][key], v[key], (case, k, key))

    def test_arrays_in_memory_give_the_files_results(self):
        for case in case_dirs(PANOPTIC, False):
            gt, pred = load(os.path.join(case, "gt.json")), load(os.path.join(case, "pred.json"))
            by_image = {a["image_id"]: a for a in pred["annotations"]}
            images = []
            for a in gt["annotations"]:
                p = by_image[a["image_id"]]
                images.append((panoptic.read_png(os.path.join(case, "gt", a["file_name"])), a["segments_info"],
                               panoptic.read_png(os.path.join(case, "pred", p["file_name"])), p["segments_info"]))
            files = panoptic.pq_compute(os.path.join(case, "gt.json"), os.path.join(case, "pred.json"), verbose=False)
            memory = panoptic.evaluate(gt["categories"], images)
            self.assertEqual(memory, files, case)
            # Ids instead of RGB, one thread: the same numbers.
            as_ids = [(g[..., 0].astype(np.uint32) + 256 * g[..., 1] + 65536 * g[..., 2].astype(np.uint32), gs,
                       p[..., 0].astype(np.uint32) + 256 * p[..., 1] + 65536 * p[..., 2].astype(np.uint32), ps)
                      for g, gs, p, ps in images]
            self.assertEqual(panoptic.evaluate(gt["categories"], as_ids, threads=1), files, case)

    def test_refusals_raise_with_a_located_message(self):
        cases = [c for c in case_dirs(PANOPTIC, True) if not c.endswith("reject_no_stuff_categories")]
        self.assertGreaterEqual(len(cases), 5)
        for case in cases:
            with self.assertRaises((ValueError, OSError), msg=case) as cm:
                panoptic.pq_compute(os.path.join(case, "gt.json"), os.path.join(case, "pred.json"), verbose=False)
            self.assertIn(case, str(cm.exception))

    def test_a_group_panopticapi_divides_by_zero_for_is_none(self):
        case = os.path.join(PANOPTIC, "reject_no_stuff_categories")  # panopticapi: ZeroDivisionError
        got = panoptic.pq_compute(os.path.join(case, "gt.json"), os.path.join(case, "pred.json"), verbose=False)
        self.assertEqual(got["Stuff"], {"pq": None, "sq": None, "rq": None, "n": 0})
        self.assertGreater(got["Things"]["n"], 0)

    def test_bad_arrays_are_refused_not_crashed(self):
        cats = [{"id": 1, "isthing": 1, "name": "a"}]
        ids = np.ones((4, 4), dtype=np.uint32)
        segs = [{"id": 1, "category_id": 1, "iscrowd": 0}]
        for images in ([(ids, segs, np.ones((4, 4, 2), np.uint8), segs)],
                       [(ids, segs, ids.astype(np.float32), segs)],
                       [(ids, segs, ids)],
                       [(ids, [{"id": 1}], ids, segs)]):
            with self.assertRaises(ValueError):
                panoptic.evaluate(cats, images)
        # An id in the prediction map that segments_info does not list: panopticapi's refusal.
        with self.assertRaises(ValueError) as cm:
            panoptic.evaluate(cats, [(ids, segs, ids * 2, segs)])
        self.assertIn("2", str(cm.exception))


class Cityscapes(unittest.TestCase, Close):
    KEYS = ("averageScoreClasses", "averageScoreInstClasses", "averageScoreCategories", "averageScoreInstCategories")

    def check(self, got, want, case):
        for key in self.KEYS:
            self.assert_close(got[key], want[key], (case, key))
        for table in ("classScores", "classInstScores", "categoryScores", "categoryInstScores"):
            self.assertEqual(sorted(got[table]), sorted(want[table]), (case, table))
            for name, v in want[table].items():
                self.assert_close(got[table][name], v, (case, table, name))
        np.testing.assert_array_equal(got["confMatrix"], np.asarray(want["confMatrix"], dtype=np.int64))

    def test_every_case_equals_cityscapes_scripts(self):
        cases = case_dirs(SEMANTIC, False)
        self.assertGreaterEqual(len(cases), 6)
        for case in cases:
            got = semantic.evaluate_cityscapes(os.path.join(case, "gtFine"), os.path.join(case, "pred"))
            self.check(got, load(os.path.join(case, "expected.json")), case)

    def test_arrays_in_memory_give_the_files_results(self):
        for case in case_dirs(SEMANTIC, False):
            labels = sorted(glob.glob(os.path.join(case, "gtFine", "val", "*", "*_gtFine_labelIds.png")))
            preds = []
            for path in labels:
                stem = os.path.basename(path)[:-len("_gtFine_labelIds.png")]
                preds.append(glob.glob(os.path.join(case, "pred", "**", stem + "*.png"), recursive=True)[0])
            got = semantic.evaluate_cityscapes_arrays(
                [semantic.read_png(p) for p in labels],
                [semantic.read_png(p.replace("_labelIds.png", "_instanceIds.png")) for p in labels],
                [semantic.read_png(p) for p in preds])
            self.check(got, load(os.path.join(case, "expected.json")), case)

    def test_refusals_raise_with_a_located_message(self):
        cases = case_dirs(SEMANTIC, True)
        self.assertGreaterEqual(len(cases), 6)
        for case in cases:
            with self.assertRaises((ValueError, OSError), msg=case) as cm:
                semantic.evaluate_cityscapes(os.path.join(case, "gtFine"), os.path.join(case, "pred"))
            self.assertIn(case, str(cm.exception))
        with self.assertRaises(ValueError) as cm:  # in memory: the image and the pixel
            semantic.evaluate_cityscapes_arrays([np.full((2, 3), 7, np.uint8)], [np.zeros((2, 3), np.uint16)],
                                                [np.array([[7, 7, 7], [7, 40, 7]], np.uint8)])
        self.assertIn("prediction 0", str(cm.exception))
        self.assertIn("x 1, y 1", str(cm.exception))


class Labels(unittest.TestCase, Close):
    def test_scores_equal_a_numpy_confusion_matrix(self):
        rng = np.random.default_rng(5)
        K, ignore = 6, 255
        gts, preds = [], []
        for _ in range(5):
            h, w = rng.integers(3, 40, size=2)
            g = rng.integers(0, K - 1, size=(h, w)).astype(np.uint8)  # class K-1 never in the GT
            g[rng.random((h, w)) < 0.1] = ignore
            p = np.where(rng.random((h, w)) < 0.6, g, rng.integers(0, K, size=(h, w))).astype(np.uint8)
            p[p == ignore] = 0
            gts.append(g), preds.append(p)
        cm = np.zeros((K, K), np.int64)
        for g, p in zip(gts, preds):
            keep = g != ignore
            cm += np.bincount(g[keep].astype(np.int64) * K + p[keep], minlength=K * K).reshape(K, K)
        tp, gt_px, pred_px = np.diag(cm), cm.sum(1), cm.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = tp / (gt_px + pred_px - tp)
            acc = tp / gt_px
        for threads in (0, 1):
            got = semantic.evaluate_labels(gts, preds, K, ignore_index=ignore, threads=threads)
            np.testing.assert_array_equal(got["confusion_matrix"], cm)
            self.assert_close(got["mIoU"], float(np.nanmean(iou)), "mIoU")
            self.assert_close(got["mAcc"], float(np.nanmean(acc)), "mAcc")
            self.assert_close(got["aAcc"], float(tp.sum() / gt_px.sum()), "aAcc")
            freq = gt_px / gt_px.sum()
            self.assert_close(got["fwIoU"], float(np.nansum(freq[gt_px > 0] * iou[gt_px > 0])), "fwIoU")
            for k in range(K):
                self.assert_close(got["classes"][k]["iou"], float(iou[k]), ("iou", k))
                self.assert_close(got["classes"][k]["acc"], float(acc[k]), ("acc", k))
        # Wider integer types give the same matrix.
        wide = semantic.evaluate_labels([g.astype(np.int32) for g in gts], [p.astype(np.int64) for p in preds], K)
        np.testing.assert_array_equal(wide["confusion_matrix"], cm)

    def test_bad_arrays_are_refused_with_the_pixel(self):
        g = np.zeros((2, 3), np.uint8)
        with self.assertRaises(ValueError) as cm:
            semantic.evaluate_labels([g], [np.array([[0, 0, 0], [0, 0, 9]], np.uint8)], 4)
        self.assertIn("prediction 0", str(cm.exception))
        self.assertIn("x 2, y 1", str(cm.exception))
        for gts, preds in (([g], [np.zeros((3, 2), np.uint8)]), ([g], []), ([g], [g.astype(np.float64)]),
                           ([g], [-np.ones((2, 3), np.int32)]), ([g[0]], [g[0]])):
            with self.assertRaises(ValueError):
                semantic.evaluate_labels(gts, preds, 4)


if __name__ == "__main__":
    unittest.main()
