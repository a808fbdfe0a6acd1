"""A script written for pycocotools, used unchanged by test_dropin.py after
deteval.init_as_pycocotools(). Its output with the real pycocotools is recorded in
fixtures/python/dropin_expected.txt (fixtures/python/record_reference.py).

    python3 pycocotools_script.py GT.json RESULTS.json
"""
import json
import sys

import numpy as np
import pycocotools.mask as mask_util
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

gt_file, dt_file = sys.argv[1], sys.argv[2]
coco_gt = COCO(gt_file)
results = json.load(open(dt_file))
coco_dt = coco_gt.loadRes(results)
print("images", len(coco_gt.getImgIds()), "categories", coco_gt.getCatIds()[:5])
print("results", len(coco_dt.getAnnIds()), coco_dt.loadAnns([1])[0]["area"], coco_dt.loadAnns(2)[0]["segmentation"])
cats = coco_gt.loadCats(coco_gt.getCatIds())
print("cat ids by name", coco_gt.getCatIds(catNms=[cats[1]["name"], cats[2]["name"]]), cats[0])
print("ann filters", len(coco_gt.getAnnIds(catIds=[1, 2], areaRng=[0, 1000], iscrowd=0)),
      len(coco_gt.getAnnIds(imgIds=coco_gt.getImgIds()[:7], iscrowd=1)), coco_gt.getAnnIds(imgIds=1)[:3])
print("images of categories", sorted(coco_gt.getImgIds(catIds=[1, 2]))[:8], coco_gt.loadImgs(coco_gt.getImgIds()[0]))
print("image index", len(coco_gt.imgToAnns), len(coco_gt.catToImgs[1]), len(coco_gt.anns), len(coco_gt.dataset["annotations"]))
crowd = coco_gt.loadAnns(coco_gt.getAnnIds(iscrowd=1))
if crowd:
    r = coco_gt.annToRLE(crowd[0])
    print("crowd rle", r["size"], mask_util.area(r), mask_util.toBbox(r).tolist())
rows = np.array([[r["image_id"]] + r["bbox"] + [r["score"], r["category_id"]] for r in results])
coco_np = coco_gt.loadRes(rows)
print("numpy results", len(coco_np.anns), coco_np.anns[3]["bbox"], coco_np.anns[3]["area"])

E = COCOeval(coco_gt, coco_dt, "bbox")
E.params.catIds = sorted(coco_gt.getCatIds())[:3]
E.params.imgIds = sorted(coco_gt.getImgIds())[::2]
E.evaluate()
E.accumulate()
E.summarize()
print("stats", json.dumps(E.stats.tolist()))
print("precision", E.eval["precision"].shape, float(E.eval["precision"][0, :, 0, 0, -1].mean()))

# Segmentation results the way detectron2 encodes them: masks -> RLE -> str counts.
segm_results = []
for img_id in sorted(coco_gt.getImgIds())[:10]:
    for i, ann in enumerate(coco_gt.loadAnns(coco_gt.getAnnIds(imgIds=[img_id], iscrowd=None))):
        m = coco_gt.annToMask(ann)
        m[:, : m.shape[1] // 10] = 0  # a little wrong
        rle = mask_util.encode(np.array(m[:, :, None], order="F", dtype="uint8"))[0]
        rle["counts"] = rle["counts"].decode("utf-8")
        segm_results.append({"image_id": img_id, "category_id": ann["category_id"], "segmentation": rle,
                             "score": 0.9 - 0.01 * i})
coco_segm = coco_gt.loadRes(segm_results)
E = COCOeval(coco_gt, coco_segm, "segm")
E.params.imgIds = sorted(coco_gt.getImgIds())[:10]
E.evaluate()
E.accumulate()
E.summarize()
print("segm stats", json.dumps(E.stats.tolist()))
print("bbox of first", coco_segm.loadAnns(1)[0]["bbox"].tolist(), int(coco_segm.anns[1]["area"]))
