"""pycocotools.cocoeval.COCOeval on deteval's C++ engine: the same parameters, printed
text, ``stats`` and ``eval`` arrays (exactly), computed in C++ with the GIL released.

``evaluate()`` runs the whole evaluation (pycocotools' evaluate and accumulate: the
engine does both at once); ``accumulate()`` hands out its arrays; ``summarize()`` prints
the summary. ``evalImgs`` and ``ious`` are built when first read (they are large).

Beyond pycocotools: ``COCOeval(gt, dt, iouType, threads=N, device="auto")``,
``per_category()``, ``to_json()``, ``analyze()``, ``report(path)``, ``curves(path)``.
"""
import copy
import datetime
import json
import time
import warnings

import numpy as np

from . import _core

__all__ = ["COCOeval", "Params"]


def _engine_params(p):
    """The parameters as _core takes them."""
    extra = {}
    if p.iouType == "keypoints" and getattr(p, "kpt_oks_sigmas", None) is not None:
        extra["kpt_oks_sigmas"] = [float(s) for s in np.asarray(p.kpt_oks_sigmas, dtype=np.float64).reshape(-1)]
    return {**extra, 
        "iouType": p.iouType,
        "useCats": bool(p.useCats),
        "iouThrs": [float(t) for t in np.asarray(p.iouThrs).reshape(-1)],
        "recThrs": [float(r) for r in np.asarray(p.recThrs).reshape(-1)],
        "maxDets": [int(m) for m in p.maxDets],
        "areaRng": [[float(lo), float(hi)] for lo, hi in p.areaRng],
        "areaRngLbl": [str(label) for label in p.areaRngLbl],
    }


class Params:
    """COCOeval.params: pycocotools' defaults for detection (bbox, segm and deteval's other
    shape types) and for keypoints."""

    def setDetParams(self):
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
        self.recThrs = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
        self.maxDets = [1, 10, 100]
        self.areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
        self.areaRngLbl = ["all", "small", "medium", "large"]
        self.useCats = 1

    def setKpParams(self):
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
        self.recThrs = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
        self.maxDets = [20]
        self.areaRng = [[0 ** 2, 1e5 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
        self.areaRngLbl = ["all", "medium", "large"]
        self.useCats = 1
        self.kpt_oks_sigmas = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                                        1.07, 1.07, .87, .87, .89, .89]) / 10.0

    def __init__(self, iouType="segm"):
        if iouType == "keypoints":
            self.setKpParams()
        elif isinstance(iouType, str) and iouType:
            self.setDetParams()  # bbox, segm; the engine decides on other names
        else:
            raise ValueError("iouType not supported")
        self.iouType = iouType
        self.useSegm = None  # deprecated in pycocotools


class COCOeval:
    def __init__(self, cocoGt=None, cocoDt=None, iouType="segm", threads=0, device="auto"):
        """``threads``: worker threads (0: all cores; results do not depend on it).
        ``device``: where segm IoUs are counted ("auto", "cpu", "cuda")."""
        if not iouType:
            print("iouType not specified. use default iouType segm")
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.eval = {}
        self.params = Params(iouType=iouType)
        self._paramsEval = {}
        self.stats = []
        self.threads = threads
        self.device = device
        self.on_stage = None  # deteval: called with each stage's name ("cells", "iou", ...) as it starts
        self._evaluation = None
        self._evaluation_arrays = None  # the engine's (precision, recall, scores), once handed out
        self._evalImgs = None
        self._evalImgs_given = False
        self._ious = None
        if cocoGt is not None:
            self.params.imgIds = cocoGt._sorted_ids("images")
            self.params.catIds = cocoGt._sorted_ids("categories")

    # ---- pycocotools' steps -----------------------------------------------------------

    def evaluate(self):
        tic = time.time()
        print("Running per image evaluation...")
        p = self.params
        if p.useSegm is not None:
            p.iouType = "segm" if p.useSegm == 1 else "bbox"
            print("useSegm (deprecated) is not None. Running {} evaluation".format(p.iouType))
        print("Evaluate annotation type *{}*".format(p.iouType))
        p.imgIds = list(np.unique(p.imgIds))
        if p.useCats:
            p.catIds = list(np.unique(p.catIds))
        p.maxDets = sorted(p.maxDets)
        self.params = p

        gt = self.cocoGt._native_gt(p.iouType, self.threads)
        dt = self.cocoDt._native_results(p.iouType, gt, self.threads)
        if dt.dropped_unknown_category:  # on stderr: stdout stays pycocotools'
            warnings.warn("deteval: ignored {} results of categories not in the ground truth".format(
                dt.dropped_unknown_category), stacklevel=2)
        img_ids = np.asarray(p.imgIds, dtype=np.int64).reshape(-1)
        cat_ids = np.asarray(p.catIds, dtype=np.int64).reshape(-1)
        if np.array_equal(img_ids, gt.image_ids):
            img_ids = None  # every image: no subset to make
        if np.array_equal(cat_ids, gt.category_ids):
            cat_ids = None
        self._evaluation = _core.evaluate(gt, dt, _engine_params(p), img_ids, cat_ids, self.threads, self.device,
                                          self.on_stage)
        self._evaluation_arrays = None
        self._evalImgs = None
        self._evalImgs_given = False
        self._ious = None
        self._paramsEval = copy.deepcopy(self.params)
        print("DONE (t={:0.2f}s).".format(time.time() - tic))

    def accumulate(self, p=None):
        print("Accumulating evaluation results...")
        tic = time.time()
        if self._evaluation is None and not self._evalImgs:
            print("Please run evaluate() first")
            return
        if p is None:
            p = self.params
        p.catIds = p.catIds if p.useCats == 1 else [-1]  # as pycocotools does
        if self._evalImgs_given or self._evaluation is None or not self._evaluated_with(p):
            precision, recall, scores = self._accumulate_eval_imgs(p)
        else:  # the engine accumulated these parameters already
            if self._evaluation_arrays is None:
                e = self._evaluation
                self._evaluation_arrays = (e.precision, e.recall, e.scores)
            precision, recall, scores = self._evaluation_arrays
        self.eval = {
            "params": p,
            "counts": list(precision.shape),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": precision,
            "recall": recall,
            "scores": scores,
        }
        print("DONE (t={:0.2f}s).".format(time.time() - tic))

    def _evaluated_with(self, p):
        """Whether the engine's arrays are what accumulate(p) would compute."""
        pe = self._paramsEval

        def cats(x):
            return list(x.catIds) if x.useCats else [-1]

        return (bool(p.useCats) == bool(pe.useCats) and list(p.imgIds) == list(pe.imgIds) and cats(p) == cats(pe)
                and list(p.maxDets) == list(pe.maxDets)
                and [tuple(a) for a in p.areaRng] == [tuple(a) for a in pe.areaRng]
                and np.array_equal(p.iouThrs, pe.iouThrs) and np.array_equal(p.recThrs, pe.recThrs))

    def _accumulate_eval_imgs(self, p):
        # pycocotools' accumulate over evalImgs as they are (given, or built from the engine).
        pe = self._paramsEval
        eval_imgs = self.evalImgs
        cat_ids = pe.catIds if pe.useCats else [-1]
        setK, setM, setI = set(cat_ids), set(pe.maxDets), set(pe.imgIds)
        setA = set(map(tuple, pe.areaRng))
        k_list = [n for n, k in enumerate(p.catIds) if k in setK]
        m_list = [m for n, m in enumerate(p.maxDets) if m in setM]
        a_list = [n for n, a in enumerate(map(lambda x: tuple(x), p.areaRng)) if a in setA]
        i_list = [n for n, i in enumerate(p.imgIds) if i in setI]
        T = len(pe.iouThrs)
        if len(p.iouThrs) != T:
            raise ValueError("accumulate(p): p.iouThrs must have as many thresholds as evaluate() used (%d)" % T)
        cell_of = np.full(len(eval_imgs), -1, dtype=np.int64)
        nd, off, npig, scores, dtm, dt_ig = [], [], [], [], [], []
        total = 0
        for idx, e in enumerate(eval_imgs):
            if e is None:
                continue
            cell_of[idx] = len(nd)
            s = np.asarray(e["dtScores"], dtype=np.float64).reshape(-1)
            nd.append(len(s))
            off.append(total)
            total += len(s)
            npig.append(np.count_nonzero(np.asarray(e["gtIgnore"]) == 0))
            scores.append(s)
            dtm.append((np.asarray(e["dtMatches"]) != 0).reshape(-1))
            dt_ig.append(np.asarray(e["dtIgnore"], dtype=bool).reshape(-1))

        def flat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        K = len(p.catIds) if p.useCats else 1
        return _core.accumulate_eval_imgs(
            cell_of, np.asarray(nd, np.int64), np.asarray(off, np.int64), np.asarray(npig, np.int64),
            flat(scores, np.float64), flat(dtm, np.uint8), flat(dt_ig, np.uint8), k_list, a_list,
            [int(m) for m in m_list], i_list, len(pe.areaRng), len(pe.imgIds), T,
            [float(r) for r in np.asarray(p.recThrs).reshape(-1)], K, len(p.areaRng), len(p.maxDets))

    def summarize(self):
        if not self.eval:
            raise Exception("Please run accumulate() first")
        # From eval's arrays and params as they are now, as pycocotools summarizes.
        stats, text = _core.summarize_arrays(self.eval["precision"], self.eval["recall"], self.eval["scores"],
                                             _engine_params(self.params))
        print(text, end="")
        self.stats = stats

    # ---- pycocotools' per-image results, built on request -----------------------------

    @property
    def evalImgs(self):
        """COCOeval.evalImgs: one dict per (category, area range, image), None where
        the cell has neither ground truth nor detections."""
        if self._evalImgs is None and self._evaluation is not None:
            self._evalImgs = self._build_eval_imgs()
        return self._evalImgs if self._evalImgs is not None else []

    @evalImgs.setter
    def evalImgs(self, value):
        # Assigned evalImgs (torchvision merges several processes' before accumulate()) are
        # what accumulate() then works from.
        self._evalImgs = value
        self._evalImgs_given = True

    def _build_eval_imgs(self):
        p = self._paramsEval
        raw = self._evaluation.image_evals()
        cat_ids = p.catIds if p.useCats else [-1]
        A, I = len(p.areaRng), len(p.imgIds)
        T = len(p.iouThrs)
        position = {int(i): n for n, i in enumerate(p.imgIds)}
        image_pos = [position[int(i)] for i in raw["image_ids"]]
        ann_ids, dt_ids, scores = raw["ann_ids"], raw["dt_ids"], raw["dt_score"]
        dt_index, gt_index = raw["dt_index"], raw["gt_index"]
        gt_ignore, dt_match, dt_ignore = raw["gt_ignore"], raw["dt_match"], raw["dt_ignore"]
        out = [None] * (len(cat_ids) * A * I)
        for k, a, i, nd, ng, db, gb, mb in raw["cells"].tolist():
            dts = dt_index[db:db + nd]
            gts = gt_index[gb:gb + ng]
            match = dt_match[mb:mb + T * nd].reshape(T, nd)
            matched = match >= 0
            dtm = np.zeros((T, nd))
            dtm[matched] = ann_ids[match[matched]]
            gtm = np.zeros((T, ng))
            if matched.any():
                column = {int(g): c for c, g in enumerate(gts)}
                for t, d in zip(*np.nonzero(matched)):  # in order: a later match wins, as in pycocotools
                    gtm[t, column[int(match[t, d])]] = dt_ids[dts[d]]
            out[k * A * I + a * I + image_pos[i]] = {
                "image_id": p.imgIds[image_pos[i]],
                "category_id": cat_ids[k],
                "aRng": p.areaRng[a],
                "maxDet": p.maxDets[-1],
                "dtIds": dt_ids[dts].tolist(),
                "gtIds": ann_ids[gts].tolist(),
                "dtMatches": dtm,
                "gtMatches": gtm,
                "dtScores": scores[dts].tolist(),
                "gtIgnore": gt_ignore[gb:gb + ng].astype(np.int64),
                "dtIgnore": dt_ignore[mb:mb + T * nd].reshape(T, nd).astype(bool),
            }
        return out

    @property
    def ious(self):
        """COCOeval.ious: {(imgId, catId): D x G IoU array, or [] when the cell lacks
        detections or ground truths}, for every image and category of the evaluation."""
        if self._ious is None and self._evaluation is not None:
            self._ious = self._build_ious()
        return self._ious if self._ious is not None else {}

    @ious.setter
    def ious(self, value):
        self._ious = value

    def _build_ious(self):
        p = self._paramsEval
        raw = self._evaluation.cell_ious(self.device)
        cat_ids = p.catIds if p.useCats else [-1]
        out = {(imgId, catId): [] for imgId in p.imgIds for catId in cat_ids}
        image_ids, flat = raw["image_ids"], raw["ious"]
        position = {int(i): i for i in p.imgIds}
        offset = 0
        for i, k, nd, ng in raw["cells"].tolist():
            block = flat[offset:offset + nd * ng].reshape((nd, ng))
            offset += nd * ng
            out[(position[int(image_ids[i])], cat_ids[k])] = np.asfortranarray(block)  # maskApi's layout
        return out

    # ---- beyond pycocotools -----------------------------------------------------------

    def _evaluated(self):
        if self._evaluation is None:
            raise ValueError("run evaluate() first")
        return self._evaluation

    def to_json(self, analysis=False, iou=0.5, score_thr=0.5, bootstrap=0, seed=0):
        """The CLI's ``--json`` document as a dict: iou_type, params, stats by name,
        per_category (and with ``analysis=True``, the ``analysis`` member of
        ``deteval coco --analyze``)."""
        text = self._evaluated().to_json(analysis, iou, score_thr, bootstrap, seed, self.threads)
        return json.loads(text)

    def per_category(self):
        """Per category at area "all" and the last maxDets: dicts with id, name, AP,
        AP50, AP75 (None when that threshold is not evaluated) and AR100."""
        return self.to_json()["per_category"]

    def analyze(self, iou=0.5, score_thr=0.5, bootstrap=0, seed=0):
        """The CLI's analyses (``--analyze``, ``--bootstrap``): operating points, F1 curve,
        confusion matrix, TIDE-style errors, bootstrap intervals (docs/analysis.md)."""
        return self.to_json(True, iou, score_thr, bootstrap, seed)["analysis"]

    def report(self, path, iou=0.5, score_thr=0.5, bootstrap=0, seed=0):
        """Writes the CLI's self-contained HTML report (``--report``)."""
        self._evaluated().report(str(path), iou, score_thr, bootstrap, seed, self.threads)

    def curves(self, path):
        """Writes the PR curves as CSV or JSON (``--curves``), by the file name's extension."""
        self._evaluated().curves(str(path))
