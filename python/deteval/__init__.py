"""deteval: COCO evaluation, exactly pycocotools' numbers, from a C++ engine.

A drop-in for pycocotools: ``deteval.coco.COCO``, ``deteval.cocoeval.COCOeval`` and
``deteval.mask`` have pycocotools' API, so porting is one import line::

    from deteval.coco import COCO
    from deteval.cocoeval import COCOeval

or, for code that imports pycocotools itself, ``deteval.init_as_pycocotools()`` first.
Beyond COCO: ``deteval.panoptic`` (panopticapi's PQ) and ``deteval.semantic`` (Cityscapes
IoU/iIoU, label-map mIoU), from files or numpy arrays. See docs/python.md. The submodules
(which need numpy) are imported on first use.
"""
import importlib
import sys
import types

from . import _core

__version__ = _core.__version__
__all__ = ["COCO", "COCOeval", "Params", "mask", "coco", "cocoeval", "panoptic", "semantic", "init_as_pycocotools"]

_LAZY = {"mask": ("mask", None), "coco": ("coco", None), "cocoeval": ("cocoeval", None),
         "panoptic": ("panoptic", None), "semantic": ("semantic", None),
         "COCO": ("coco", "COCO"), "COCOeval": ("cocoeval", "COCOeval"), "Params": ("cocoeval", "Params")}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'deteval' has no attribute %r" % name)
    module, attr = _LAZY[name]
    m = importlib.import_module("." + module, __name__)
    return m if attr is None else getattr(m, attr)


def init_as_pycocotools():
    """Makes ``import pycocotools.coco`` (and ``.cocoeval``, ``.mask``) give deteval's
    modules, so that unchanged code runs on deteval. Call it before that code imports
    pycocotools: names it has already imported stay what they were."""
    from . import coco, cocoeval, mask
    pkg = types.ModuleType("pycocotools")
    pkg.__path__ = []  # a package: its submodules come from sys.modules below
    pkg.__doc__ = "deteval standing in for pycocotools (deteval.init_as_pycocotools)"
    pkg.coco, pkg.cocoeval, pkg.mask = coco, cocoeval, mask
    sys.modules["pycocotools"] = pkg
    sys.modules["pycocotools.coco"] = coco
    sys.modules["pycocotools.cocoeval"] = cocoeval
    sys.modules["pycocotools.mask"] = mask
