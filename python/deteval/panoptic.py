"""Panoptic quality (PQ, SQ, RQ) exactly as panopticapi's ``pq_compute``, on deteval's C++
engine (lib/panoptic.hpp; rules in docs/panoptic.md).

From files, as panopticapi::

    from deteval.panoptic import pq_compute
    results = pq_compute("panoptic_val.json", "predictions.json")   # folders: the JSON names

From arrays in memory (no PNG files)::

    results = evaluate(categories, [(gt_ids, gt_segments, pred_ids, pred_segments), ...])

``gt_ids`` / ``pred_ids``: H x W integer ids, or H x W x 3 uint8 RGB (id = R + 256 G +
256^2 B); segments: COCO-panoptic ``segments_info`` dicts (``id``, ``category_id``, and
for ground truth ``iscrowd`` and ``area``; a missing ``area`` is the pixel count).

Both return panopticapi's dict, ``{"All"|"Things"|"Stuff": {"pq", "sq", "rq", "n"},
"per_class": {category_id: {"pq", "sq", "rq", "tp", "fp", "fn", "iou_sum"}}}``, where a
group panopticapi cannot compute (it divides by zero) has ``None`` values and ``n`` 0.
Refused input raises ValueError (OSError for files) with the CLI's located message.
"""
import json

from . import _core

__all__ = ["pq_compute", "evaluate", "read_png"]


def _results(outputs, verbose):
    text, table, class_table = outputs
    if verbose:
        print(table, end="")
    results = json.loads(text)
    results["per_class"] = {int(k): v for k, v in results["per_class"].items()}
    return results


def pq_compute(gt_json_file, pred_json_file, gt_folder=None, pred_folder=None, threads=0, verbose=True):
    """panopticapi.evaluation.pq_compute: prints its PQ/SQ/RQ/N table (``verbose``) and
    returns the results. ``threads``: 0 = all cores; the numbers do not depend on it."""
    return _results(_core.panoptic_files(str(gt_json_file), str(pred_json_file), str(gt_folder or ""),
                                         str(pred_folder or ""), int(threads)), verbose)


def evaluate(categories, images, threads=0, verbose=False):
    """PQ over images in memory: ``categories`` as COCO-panoptic's (dicts with ``id``,
    ``isthing``, ``name``), ``images`` a sequence of (gt_ids, gt_segments, pred_ids,
    pred_segments). Summed in the order given (panopticapi's order with one worker)."""
    return _results(_core.panoptic_arrays(list(categories), list(images), int(threads)), verbose)


def read_png(path):
    """A PNG as stored: H x W (grey, palette indices) or H x W x C samples, uint8 or uint16.
    For panoptic PNGs, ``ids = rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]``
    (``evaluate`` also takes the RGB array as it is)."""
    return _core.read_png(str(path))
