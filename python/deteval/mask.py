"""pycocotools.mask on deteval's C++ masks (lib/mask.hpp): the same functions, dtypes,
shapes and results bit for bit.

RLEs are dicts ``{'size': [h, w], 'counts': bytes}`` (``counts`` may also be ``str``);
masks are uint8 arrays in Fortran (column-major) order, ``h x w`` or ``h x w x n``.

Where pycocotools fails, this module is more lenient or clearer: masks need not be
Fortran-ordered (bool masks are taken too), boxes may be lists, invalid RLE strings
raise ValueError (maskApi reads them as garbage), and errors are ValueError (an
Exception, as pycocotools raises).
"""
import numpy as np

from . import _core

__all__ = ["encode", "decode", "iou", "merge", "area", "toBbox", "frPyObjects"]


def encode(bimask):
    """Binary mask(s) -> RLE: ``h x w`` gives one dict, ``h x w x n`` a list."""
    bimask = np.asarray(bimask)
    if bimask.dtype != np.uint8 and bimask.dtype != np.bool_:
        raise ValueError("encode: expected a uint8 mask, got dtype %s" % bimask.dtype)
    if bimask.ndim == 3:
        return _core.mask_encode(bimask)
    if bimask.ndim == 2:
        h, w = bimask.shape
        return _core.mask_encode(bimask.reshape((h, w, 1), order="F"))[0]
    raise ValueError("encode: expected an h x w or h x w x n array, got %d dimensions" % bimask.ndim)


def decode(rleObjs):
    """RLE -> ``h x w`` uint8 mask; a list of RLEs -> ``h x w x n``."""
    if isinstance(rleObjs, list):
        return _core.mask_decode(rleObjs)
    return _core.mask_decode([rleObjs])[:, :, 0]


def area(rleObjs):
    """Pixel counts (uint32)."""
    if isinstance(rleObjs, list):
        return _core.mask_area(rleObjs)
    return _core.mask_area([rleObjs])[0]


def toBbox(rleObjs):
    """Tight boxes ``[x, y, w, h]`` (float64): ``n x 4`` for a list, ``(4,)`` for one RLE."""
    if isinstance(rleObjs, list):
        return _core.mask_to_bbox(rleObjs)
    return _core.mask_to_bbox([rleObjs])[0]


def merge(rleObjs, intersect=0):
    """Union (or with ``intersect``, intersection) of RLEs of one size."""
    return _core.mask_merge(list(rleObjs), bool(intersect))


def _iou_input(objs):
    # pycocotools' rule: an N x 4 array or a list of 4-element boxes, or a list of RLE dicts.
    if len(objs) == 0:
        return objs
    if isinstance(objs, np.ndarray):
        if objs.ndim != 2 or objs.shape[1] != 4:
            raise ValueError("numpy ndarray input is only for *bounding boxes* and should have Nx4 dimension")
        return objs.astype(np.double)
    if isinstance(objs, list):
        if all(isinstance(o, (list, np.ndarray)) and len(o) == 4 for o in objs):
            return np.array(objs, dtype=np.double).reshape((-1, 4))
        if all(isinstance(o, dict) for o in objs):
            return objs
        raise ValueError("list input can be bounding box (Nx4) or RLEs ([RLE])")
    raise ValueError("unrecognized type.  The following type: RLEs (rle), np.ndarray (box), and list (box) are supported.")


def iou(dt, gt, pyiscrowd):
    """IoU of every dt with every gt: an ``m x n`` float64 array (Fortran order), or ``[]``
    when either is empty. With ``pyiscrowd[j]`` the union is the detection's area."""
    dt = _iou_input(dt)
    gt = _iou_input(gt)
    if len(dt) == 0 or len(gt) == 0:
        return []
    if isinstance(dt, np.ndarray) != isinstance(gt, np.ndarray):
        raise ValueError("The dt and gt should have the same data type, either RLEs, list or np.ndarray")
    crowd = np.array(pyiscrowd, dtype=np.uint8).reshape(-1)
    if isinstance(dt, np.ndarray):
        return _core.mask_iou_box(dt, gt, crowd)
    return _core.mask_iou_rle(dt, gt, crowd)


def _is_sequence(x):
    return isinstance(x, (list, tuple, np.ndarray))


def frPyObjects(pyobj, h, w):
    """Polygons, boxes or uncompressed RLEs -> compressed RLE(s), rasterised at ``h x w``.

    A list gives a list: of boxes when its first element has 4 numbers (an N x 4 array
    always is boxes), of polygons ``[x0, y0, x1, y1, ...]`` when it has more, of
    uncompressed RLEs when it is ``{'counts': [...], 'size': [h, w]}``. A single box,
    polygon (a flat list) or uncompressed RLE dict gives one RLE."""
    if isinstance(pyobj, np.ndarray):
        return _core.mask_from_bbox(pyobj, h, w)
    if isinstance(pyobj, list) and pyobj:
        first = pyobj[0]
        if isinstance(first, dict) and "counts" in first and "size" in first:
            return _core.mask_from_uncompressed(pyobj)
        if _is_sequence(first):
            if len(first) == 4:
                return _core.mask_from_bbox(np.asarray(pyobj, dtype=np.double), h, w)
            if len(first) > 4:
                return _core.mask_from_polygons(pyobj, h, w)
        elif len(pyobj) == 4:
            return _core.mask_from_bbox(np.asarray([pyobj], dtype=np.double), h, w)[0]
        elif len(pyobj) > 4:
            return _core.mask_from_polygons([pyobj], h, w)[0]
    if isinstance(pyobj, dict) and "counts" in pyobj and "size" in pyobj:
        return _core.mask_from_uncompressed([pyobj])[0]
    raise ValueError("input type is not supported.")
