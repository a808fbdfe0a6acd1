#!/usr/bin/env python3
"""Runs one reference evaluator end to end, as a user's script would, for coco_scale.py.

    ref_eval.py TOOL PATH GT DT IOU_TYPE

TOOL is `pycocotools` or `faster-coco-eval`; PATH is put first on sys.path (a source
checkout built in place, outside this project). Load GT, loadRes, evaluate, accumulate,
summarize; prints the summary and `AP <stats[0]>` so the caller can check both agree.
"""
import sys


def main():
    tool, path, gt, dt, iou = sys.argv[1:6]
    sys.path.insert(0, path)
    if tool == "pycocotools":
        # pycocotools.coco imports matplotlib for showAnns only; an empty stand-in spares the
        # benchmark machine that package (and its import time, which would count against it).
        import types
        for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
            sys.modules.setdefault(name, types.ModuleType(name))
        sys.modules["matplotlib.collections"].PatchCollection = None
        sys.modules["matplotlib.patches"].Polygon = None
        # cocoapi 8c9bcc3 still says np.float, which numpy 1.24 removed: restore the alias.
        import numpy as np
        if not hasattr(np, "float"):
            np.float = float
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif tool == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    else:
        sys.exit(f"unknown tool {tool}")
    coco_gt = COCO(gt)
    coco_dt = coco_gt.loadRes(dt)
    e = COCOeval(coco_gt, coco_dt, iou)
    e.evaluate()
    e.accumulate()
    e.summarize()
    print(f"AP {e.stats[0]!r}")


if __name__ == "__main__":
    main()
