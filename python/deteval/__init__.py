"""deteval: COCO evaluation, exactly pycocotools' numbers, from a C++ engine.

A drop-in for pycocotools: ``deteval.coco.COCO``, ``deteval.cocoeval.COCOeval`` and
``deteval.mask`` have pycocotools' API, so porting is one import line::

    from deteval.coco import COCO
    from deteval.cocoeval import COCOeval

or, for code that imports pycocotools itself, ``deteval.init_as_pycocotools()`` first.
See docs/python.md.
"""
import sys
import types

from . import _core
from . import mask
from . import coco
from . import cocoeval
from .coco import COCO
from .cocoeval import COCOeval, Params

__version__ = _core.__version__
__all__ = ["COCO", "COCOeval", "Params", "mask", "coco", "cocoeval", "init_as_pycocotools"]


def init_as_pycocotools():
    """Makes ``import pycocotools.coco`` (and ``.cocoeval``, ``.mask``) give deteval's
    modules, so that unchanged code runs on deteval. Call it before that code imports
    pycocotools: names it has already imported stay what they were."""
    pkg = types.ModuleType("pycocotools")
    pkg.__path__ = []  # a package: its submodules come from sys.modules below
    pkg.__doc__ = "deteval standing in for pycocotools (deteval.init_as_pycocotools)"
    pkg.coco, pkg.cocoeval, pkg.mask = coco, cocoeval, mask
    sys.modules["pycocotools"] = pkg
    sys.modules["pycocotools.coco"] = coco
    sys.modules["pycocotools.cocoeval"] = cocoeval
    sys.modules["pycocotools.mask"] = mask
