"""pycocotools.coco.COCO on deteval: the same attributes and methods.

Reading is done by deteval's C++ readers (validating, with located messages: invalid
content raises ValueError, unreadable files OSError). The Python-side views that
pycocotools builds eagerly (``dataset``, ``anns``, ``imgs``, ``cats``, ``imgToAnns``,
``catToImgs``) are built on first use, so an evaluation that never touches them never
pays for them.

What the evaluation reads: a COCO made from a file is evaluated from that file; one whose
``dataset`` was assigned, or after an explicit ``createIndex()``, from ``dataset`` as it
is then. In-place edits of the dicts are seen after ``createIndex()``.
"""
import copy
import itertools
import json
import os
import time
from collections import defaultdict

import numpy as np

from . import _core
from . import mask as maskUtils

__all__ = ["COCO"]


def _isArrayLike(obj):
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


def _to_json_bytes(obj):
    # numpy values and bytes RLE counts are taken, as pycocotools takes them in memory
    return _core.to_json(obj)


class COCO:
    def __init__(self, annotation_file=None):
        """Loads a COCO annotation file (``instances_*.json``); without one, an empty dataset."""
        self._file = None       # evaluated from this file while set
        self._data = {}         # the dataset dict, or None until read from _file
        self._index = None      # (anns, cats, imgs, imgToAnns, catToImgs), built on first use
        self._native = {}       # iou type -> _core.GroundTruth
        self._results = None    # a loadRes result: where its detections come from
        self._native_dt = {}    # iou type -> (_core.GroundTruth, _core.Detections)
        if annotation_file is not None:
            print("loading annotations into memory...")
            tic = time.time()
            path = os.fspath(annotation_file)
            self._native["bbox"] = _core.read_gt(path, "bbox")
            self._file, self._data = path, None
            print("Done (t={:0.2f}s)".format(time.time() - tic))
            print("creating index...")
            print("index created!")

    # ---- pycocotools' attributes, built on first use -----------------------------------

    @property
    def dataset(self):
        if self._data is None:
            if self._results is not None:
                self._data = self._results_dataset()
            else:
                with open(self._file, "r") as f:
                    self._data = json.load(f)
        return self._data

    @dataset.setter
    def dataset(self, value):
        self._data = value
        self._from_dict()

    def _from_dict(self):
        # From now on the dataset dict is what gets evaluated.
        self._file = None
        self._index = None
        self._native = {}
        self._native_dt = {}
        if self._results is not None:
            self._results = dict(self._results, source="dataset")

    def createIndex(self):
        print("creating index...")
        self.dataset  # read it before the source changes
        self._from_dict()
        self._build_index()
        print("index created!")

    def _build_index(self):
        anns, cats, imgs = {}, {}, {}
        imgToAnns, catToImgs = defaultdict(list), defaultdict(list)
        d = self.dataset
        if "annotations" in d:
            for ann in d["annotations"]:
                imgToAnns[ann["image_id"]].append(ann)
                anns[ann["id"]] = ann
        if "images" in d:
            for img in d["images"]:
                imgs[img["id"]] = img
        if "categories" in d:
            for cat in d["categories"]:
                cats[cat["id"]] = cat
        if "annotations" in d and "categories" in d:
            for ann in d["annotations"]:
                catToImgs[ann["category_id"]].append(ann["image_id"])
        self._index = [anns, cats, imgs, imgToAnns, catToImgs]
        return self._index

    def _indexed(self, i):
        return (self._index or self._build_index())[i]

    def _set_indexed(self, i, value):
        (self._index or self._build_index())[i] = value

    anns = property(lambda self: self._indexed(0), lambda self, v: self._set_indexed(0, v))
    cats = property(lambda self: self._indexed(1), lambda self, v: self._set_indexed(1, v))
    imgs = property(lambda self: self._indexed(2), lambda self, v: self._set_indexed(2, v))
    imgToAnns = property(lambda self: self._indexed(3), lambda self, v: self._set_indexed(3, v))
    catToImgs = property(lambda self: self._indexed(4), lambda self, v: self._set_indexed(4, v))

    # ---- pycocotools' methods ---------------------------------------------------------

    def info(self):
        for key, value in self.dataset["info"].items():
            print("{}: {}".format(key, value))

    def getAnnIds(self, imgIds=[], catIds=[], areaRng=[], iscrowd=None):
        imgIds = imgIds if _isArrayLike(imgIds) else [imgIds]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        if len(imgIds) == len(catIds) == len(areaRng) == 0:
            anns = self.dataset["annotations"]
        else:
            if len(imgIds) != 0:
                lists = [self.imgToAnns[i] for i in imgIds if i in self.imgToAnns]
                anns = list(itertools.chain.from_iterable(lists))
            else:
                anns = self.dataset["annotations"]
            anns = anns if len(catIds) == 0 else [a for a in anns if a["category_id"] in catIds]
            anns = anns if len(areaRng) == 0 else [a for a in anns if areaRng[0] < a["area"] < areaRng[1]]
        if iscrowd is not None:
            return [a["id"] for a in anns if a["iscrowd"] == iscrowd]
        return [a["id"] for a in anns]

    def getCatIds(self, catNms=[], supNms=[], catIds=[]):
        catNms = catNms if _isArrayLike(catNms) else [catNms]
        supNms = supNms if _isArrayLike(supNms) else [supNms]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        cats = self.dataset["categories"]
        if not len(catNms) == len(supNms) == len(catIds) == 0:
            cats = cats if len(catNms) == 0 else [c for c in cats if c["name"] in catNms]
            cats = cats if len(supNms) == 0 else [c for c in cats if c["supercategory"] in supNms]
            cats = cats if len(catIds) == 0 else [c for c in cats if c["id"] in catIds]
        return [c["id"] for c in cats]

    def getImgIds(self, imgIds=[], catIds=[]):
        imgIds = imgIds if _isArrayLike(imgIds) else [imgIds]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        if len(imgIds) == len(catIds) == 0:
            return list(self.imgs.keys())
        ids = set(imgIds)
        for i, catId in enumerate(catIds):
            if i == 0 and len(ids) == 0:
                ids = set(self.catToImgs[catId])
            else:
                ids &= set(self.catToImgs[catId])
        return list(ids)

    def _load(self, table, ids):
        if _isArrayLike(ids):
            return [table[i] for i in ids]
        if isinstance(ids, int):
            return [table[ids]]

    def loadAnns(self, ids=[]):
        return self._load(self.anns, ids)

    def loadCats(self, ids=[]):
        return self._load(self.cats, ids)

    def loadImgs(self, ids=[]):
        return self._load(self.imgs, ids)

    def loadRes(self, resFile):
        """Results as a file name, a list of result dicts or an N x 7 array
        ``[image_id, x, y, w, h, score, category_id]``. They are read (and checked) when an
        evaluation needs them, as that evaluation's iouType; ``dataset`` and the index
        are built on first use, as pycocotools builds them (a list's dicts are copied,
        not modified)."""
        res = COCO()
        print("Loading and preparing results...")
        tic = time.time()
        if isinstance(resFile, (str, bytes, os.PathLike)):
            path = os.fspath(resFile)
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            with open(path, "rb"):
                pass  # an unreadable file fails here, as in pycocotools
            res._results = {"gt": self, "source": "file", "file": path}
        else:
            anns = self.loadNumpyAnnotations(resFile) if isinstance(resFile, np.ndarray) else resFile
            if not isinstance(anns, list):
                raise ValueError("loadRes: results in not an array of objects")
            res._results = {"gt": self, "source": "list", "anns": anns}
        res._data = None
        print("DONE (t={:0.2f}s)".format(time.time() - tic))
        print("creating index...")  # (built on first use)
        print("index created!")
        return res

    def _results_dataset(self):
        # What pycocotools' loadRes makes of the results: ids 1..N, area, iscrowd and the
        # missing one of bbox/segmentation, decided by the first result's keys.
        r = self._results
        gt = r["gt"]
        if r["source"] == "file":
            with open(r["file"], "r") as f:
                anns = json.load(f)
        else:
            anns = [dict(a) for a in r["anns"]]
        if not isinstance(anns, list):
            raise ValueError("loadRes: results in not an array of objects")
        res = {"images": [img for img in gt.dataset["images"]]}
        first = anns[0] if anns else {}
        if "caption" in first:
            imgIds = set(img["id"] for img in res["images"]) & set(a["image_id"] for a in anns)
            res["images"] = [img for img in res["images"] if img["id"] in imgIds]
            for i, ann in enumerate(anns):
                ann["id"] = i + 1
        elif "bbox" in first and not first["bbox"] == []:
            res["categories"] = copy.deepcopy(gt.dataset["categories"])
            for i, ann in enumerate(anns):
                bb = ann["bbox"]
                x1, x2, y1, y2 = [bb[0], bb[0] + bb[2], bb[1], bb[1] + bb[3]]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x1, y1, x1, y2, x2, y2, x2, y1]]
                ann["area"] = bb[2] * bb[3]
                ann["id"] = i + 1
                ann["iscrowd"] = 0
        elif "segmentation" in first:
            res["categories"] = copy.deepcopy(gt.dataset["categories"])
            for i, ann in enumerate(anns):
                ann["area"] = maskUtils.area(ann["segmentation"])
                if "bbox" not in ann:
                    ann["bbox"] = maskUtils.toBbox(ann["segmentation"])
                ann["id"] = i + 1
                ann["iscrowd"] = 0
        elif "keypoints" in first:
            res["categories"] = copy.deepcopy(gt.dataset["categories"])
            for i, ann in enumerate(anns):
                s = ann["keypoints"]
                x, y = s[0::3], s[1::3]
                x0, x1, y0, y1 = np.min(x), np.max(x), np.min(y), np.max(y)
                ann["area"] = (x1 - x0) * (y1 - y0)
                ann["id"] = i + 1
                ann["bbox"] = [x0, y0, x1 - x0, y1 - y0]
        else:
            res["categories"] = copy.deepcopy(gt.dataset.get("categories", []))
        res["annotations"] = anns
        return res

    def loadNumpyAnnotations(self, data):
        """N x 7 array ``[image_id, x, y, w, h, score, category_id]`` -> list of result dicts."""
        print("Converting ndarray to lists...")
        assert type(data) == np.ndarray
        print(data.shape)
        assert data.shape[1] == 7
        N = data.shape[0]
        ann = []
        for i in range(N):
            if i % 1000000 == 0:
                print("{}/{}".format(i, N))
            ann += [{
                "image_id": int(data[i, 0]),
                "bbox": [data[i, 1], data[i, 2], data[i, 3], data[i, 4]],
                "score": data[i, 5],
                "category_id": int(data[i, 6]),
            }]
        return ann

    def annToRLE(self, ann):
        """An annotation's segmentation as one compressed RLE, at its image's size."""
        t = self.imgs[ann["image_id"]]
        h, w = t["height"], t["width"]
        segm = ann["segmentation"]
        if isinstance(segm, list):
            return maskUtils.merge(maskUtils.frPyObjects(segm, h, w))
        if isinstance(segm["counts"], list):
            return maskUtils.frPyObjects(segm, h, w)
        return segm

    def annToMask(self, ann):
        """An annotation's segmentation as an h x w uint8 mask."""
        return maskUtils.decode(self.annToRLE(ann))

    # ---- deteval: what the C++ engine evaluates ----------------------------------------

    def _sorted_ids(self, which):
        """sorted(getImgIds()) / sorted(getCatIds()) without building the index when the
        file is what is evaluated."""
        if self._file is not None and self._results is None:
            g = self._native["bbox"]
            return [int(i) for i in (g.image_ids if which == "images" else g.category_ids)]
        return sorted(self.getImgIds() if which == "images" else self.getCatIds())

    def _native_gt(self, iou_type, threads=0):
        g = self._native.get(iou_type)
        if g is None:
            if self._file is not None:
                g = _core.read_gt(self._file, iou_type, threads=threads)
            else:
                g = _core.parse_gt(_to_json_bytes(self.dataset), "COCO.dataset", iou_type, threads=threads)
            self._native[iou_type] = g
        return g

    def _native_results(self, iou_type, gt, threads=0):
        """This COCO's detections, read against ground truth `gt` (a _core.GroundTruth)."""
        cached = self._native_dt.get(iou_type)
        if cached is not None and cached[0] is gt:
            return cached[1]
        r = self._results
        if r is not None and r["source"] == "file":
            dt = _core.read_results(r["file"], gt, iou_type, threads=threads)
        else:
            anns = r["anns"] if r is not None and r["source"] == "list" else self.dataset.get("annotations", [])
            dt = _core.parse_results(_to_json_bytes(anns), "loadRes", gt, iou_type, threads=threads)
        self._native_dt[iou_type] = (gt, dt)
        return dt
