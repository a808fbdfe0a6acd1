"""deteval.mask against pycocotools.mask's recorded outputs (fixtures/python/mask_reference.json):
encode, decode, area, toBbox, merge, iou, frPyObjects, with pycocotools' dtypes and shapes."""
import hashlib
import os
import unittest

import numpy as np

import util
from deteval import mask as M

REF = util.load_json(os.path.join(util.REFS, "mask_reference.json"))


def unpack(p):
    h, w = p["shape"]
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(p["bits"]), np.uint8))[: h * w]
    return np.asfortranarray(bits.reshape((h, w), order="F"))


def rle(size, counts):
    return {"size": list(size), "counts": counts.encode("ascii")}


class Mask(unittest.TestCase):
    def test_encode_decode_area_bbox(self):
        self.assertGreater(len(REF["masks"]), 20)
        for i, m in enumerate(REF["masks"]):
            mask = unpack(m["mask"])
            r = M.encode(mask)
            self.assertEqual(set(r), {"size", "counts"})
            self.assertIsInstance(r["counts"], bytes)
            self.assertEqual(r["size"], m["size"], i)
            self.assertEqual(r["counts"].decode("ascii"), m["counts"], i)
            d = M.decode(r)
            self.assertEqual(d.dtype, np.uint8)
            self.assertEqual(d.shape, mask.shape)
            self.assertTrue(d.flags.f_contiguous)
            np.testing.assert_array_equal(d, mask)
            a = M.area(r)
            self.assertIsInstance(a, np.uint32)
            self.assertEqual(int(a), m["area"])
            b = M.toBbox(r)
            self.assertEqual((b.dtype, b.shape), (np.float64, (4,)))
            self.assertEqual(b.tolist(), m["bbox"])
            # str counts are read too, as pycocotools reads them
            self.assertEqual(int(M.area({"size": m["size"], "counts": m["counts"]})), m["area"])

    def test_lists_and_stacks(self):
        st = REF["stack"]
        masks = [unpack(REF["masks"][i]["mask"]) for i in st["masks"]]
        stack = np.asfortranarray(np.stack(masks, axis=2))
        rles = M.encode(stack)
        self.assertEqual([r["counts"].decode() for r in rles], st["counts"])
        d = M.decode(rles)
        self.assertEqual(d.shape, stack.shape)
        self.assertTrue(d.flags.f_contiguous)
        np.testing.assert_array_equal(d, stack)
        a = M.area(rles)
        self.assertEqual((a.dtype, a.shape), (np.uint32, (4,)))
        b = M.toBbox(rles)
        self.assertEqual((b.dtype, b.shape), (np.float64, (4, 4)))

    def test_merge_and_rle_iou(self):
        for mg in REF["merges"]:
            rles = [rle(REF["masks"][i]["size"], REF["masks"][i]["counts"]) for i in mg["masks"]]
            r = M.merge(rles, mg["intersect"])
            self.assertEqual((r["size"], r["counts"].decode()), (mg["size"], mg["counts"]))
        for case in REF["ious_rle"]:
            dt = [rle(REF["masks"][i]["size"], REF["masks"][i]["counts"]) for i in case["dt"]]
            gt = [rle(REF["masks"][i]["size"], REF["masks"][i]["counts"]) for i in case["gt"]]
            got = M.iou(dt, gt, case["iscrowd"])
            self.assertEqual((got.dtype, got.shape), (np.float64, (len(dt), len(gt))))
            self.assertTrue(got.flags.f_contiguous)
            self.assertEqual(got.tolist(), case["iou"])

    def test_box_iou(self):
        for case in REF["ious_box"]:
            got = M.iou(np.array(case["dt"]), np.array(case["gt"]), case["iscrowd"])
            self.assertEqual(got.tolist(), case["iou"])
            self.assertEqual(M.iou(case["dt"], case["gt"], case["iscrowd"]).tolist(), case["iou"])  # lists of boxes
        self.assertEqual(M.iou([], np.array(REF["ious_box"][0]["gt"]), []), [])

    def test_frPyObjects(self):
        self.assertGreaterEqual(len(REF["polygons"]), 40)
        for p in REF["polygons"]:
            rles = M.frPyObjects(p["polygons"], p["h"], p["w"])
            self.assertEqual([r["counts"].decode() for r in rles], p["counts"])
            self.assertEqual(M.merge(rles)["counts"].decode(), p["merged"])
            one = M.frPyObjects(p["polygons"][0], p["h"], p["w"])  # a single flat polygon
            if len(p["polygons"][0]) > 4:
                self.assertEqual(one["counts"].decode(), p["counts"][0])
        for b in REF["boxes"]:
            rles = M.frPyObjects(np.array(b["boxes"]), b["h"], b["w"])
            self.assertEqual([r["counts"].decode() for r in rles], b["counts"])
            self.assertEqual(rles[0]["size"], [b["h"], b["w"]])
        for u in REF["uncompressed"]:
            r = M.frPyObjects(u["rle"], *u["rle"]["size"])
            self.assertEqual(r["counts"].decode(), u["counts"])
            self.assertEqual(M.frPyObjects([u["rle"]], *u["rle"]["size"])[0]["counts"].decode(), u["counts"])

    def test_rle_strings(self):
        self.assertGreater(len(REF["strings"]), 20)
        for s in REF["strings"]:
            r = {"size": s["size"], "counts": s["counts"]}
            self.assertEqual(int(M.area(r)), s["area"])
            self.assertEqual(M.toBbox(r).tolist(), s["bbox"])
            d = M.decode(r)
            self.assertEqual(list(d.shape), s["decoded"]["shape"])
            self.assertEqual(hashlib.sha256(d.tobytes(order="F")).hexdigest(), s["decoded"]["sha256"])

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "counts"):
            M.decode({"size": [4, 4], "counts": b"!!"})
        with self.assertRaisesRegex(ValueError, "counts"):
            M.area([{"size": [4, 4], "counts": [3, 3]}])  # runs do not sum to 16
        with self.assertRaises(ValueError):
            M.iou(np.zeros((2, 3)), np.zeros((2, 4)), [0, 0])
        with self.assertRaisesRegex(ValueError, "iscrowd"):
            M.iou(np.zeros((2, 4)), np.zeros((2, 4)), [0])
        with self.assertRaisesRegex(ValueError, "same data type"):
            M.iou(np.zeros((1, 4)), [{"size": [2, 2], "counts": b"04"}], [0])
        with self.assertRaises(ValueError):
            M.frPyObjects("nonsense", 3, 3)
        with self.assertRaisesRegex(ValueError, "uint8"):
            M.encode(np.zeros((3, 3), np.float32))


if __name__ == "__main__":
    unittest.main()
