"""Shared by the Python package's tests (tests/python/test_*.py): paths, quiet runs.

ctest runs each test file with build/python on PYTHONPATH (tests/CMakeLists.txt); by hand:
    PYTHONPATH=build/python /usr/bin/python3 tests/python/test_mask.py
"""
import contextlib
import io
import json
import os

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CASES = os.path.join(ROOT, "fixtures", "coco")
REFS = os.path.join(ROOT, "fixtures", "python")


def case_path(case, name):
    return os.path.join(CASES, case, name)


def cases():
    """(case, iou type) of every conformance case with expected values."""
    out = []
    for case in sorted(os.listdir(CASES)):
        for t in ("bbox", "segm"):
            if os.path.exists(case_path(case, "expected_%s.json" % t)):
                out.append((case, t))
    return out


def apply_params(params, overrides):
    """pycocotools' way of setting params: attributes, thresholds as float64 arrays."""
    for k, v in overrides.items():
        setattr(params, k, np.array(v, dtype=np.float64) if k in ("iouThrs", "recThrs") else v)


def case_params(case):
    path = case_path(case, "params.json")
    return load_json(path) if os.path.exists(path) else {}


@contextlib.contextmanager
def quiet():
    """Swallows what pycocotools' API prints (loading..., DONE (t=...))."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def evaluate(gt, dt, iou_type, overrides=None, **kwargs):
    """COCOeval through evaluate/accumulate/summarize; returns (E, summary text)."""
    from deteval.cocoeval import COCOeval
    with quiet():
        E = COCOeval(gt, dt, iou_type, **kwargs)
        apply_params(E.params, overrides or {})
        E.evaluate()
        E.accumulate()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        E.summarize()
    return E, out.getvalue()


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read_text(path):
    with open(path) as f:
        return f.read()


def load(case):
    """COCO(gt.json) and its loadRes(dt.json) for a conformance case."""
    from deteval.coco import COCO
    with quiet():
        gt = COCO(case_path(case, "gt.json"))
        return gt, gt.loadRes(case_path(case, "dt.json"))
