"""Semantic segmentation scores on deteval's C++ engine (lib/semantic.hpp,
lib/cityscapes.hpp; definitions in docs/semantic.md), from PNG folders or numpy arrays.

Label maps (ADE20K, VOC, ...)::

    from deteval import semantic
    r = semantic.evaluate_labels(gt_maps, pred_maps, num_classes=150, ignore_index=255)
    r["mIoU"], r["mAcc"], r["aAcc"], r["fwIoU"], r["classes"][k]["iou"], r["confusion_matrix"]

Cityscapes (cityscapesScripts' evalPixelLevelSemanticLabeling, exactly)::

    r = semantic.evaluate_cityscapes("gtFine", "results/")        # GT root, prediction folder
    r = semantic.evaluate_cityscapes_arrays(label_ids, instance_ids, predictions)
    r["averageScoreClasses"], r["classInstScores"]["car"], r["confMatrix"]

The dicts are the CLI's ``deteval semantic --json`` documents (undefined scores ``None``),
with the confusion matrix as an int64 numpy array. Arrays: 2-D integer maps (uint8 and
uint16 used as they are). Bad input raises ValueError (OSError for files) with the CLI's
located message: the image, the pixel, what was expected and what was found.
"""
import json

import numpy as np

from . import _core

__all__ = ["evaluate_labels", "evaluate_label_folders", "evaluate_cityscapes", "evaluate_cityscapes_arrays",
           "read_png"]


def _result(outputs, matrix_key, verbose):
    text, table = outputs
    if verbose:
        print(table, end="")
    result = json.loads(text)
    result[matrix_key] = np.asarray(result[matrix_key], dtype=np.int64)
    return result


def _names(class_names):
    return [str(n) for n in class_names] if class_names is not None else []


def evaluate_labels(ground_truths, predictions, num_classes, ignore_index=255, class_names=None, threads=0,
                    verbose=False):
    """Per-class IoU and accuracy, mIoU, mAcc, aAcc, fwIoU and the confusion matrix
    ([ground truth][prediction]) over pairs of label maps in memory."""
    return _result(_core.labels_arrays(list(ground_truths), list(predictions), int(num_classes), int(ignore_index),
                                       _names(class_names), int(threads)), "confusion_matrix", verbose)


def evaluate_label_folders(gt_dir, pred_dir, num_classes, ignore_index=255, class_names=None, threads=0,
                           verbose=False):
    """As ``deteval semantic --format labels``: every PNG under ``gt_dir`` with the prediction
    of the same file stem under ``pred_dir``."""
    return _result(_core.labels_files(str(gt_dir), str(pred_dir), int(num_classes), int(ignore_index),
                                      _names(class_names), int(threads)), "confusion_matrix", verbose)


def evaluate_cityscapes(gt_root, pred_dir, split="val", threads=0, verbose=False):
    """As ``deteval semantic`` (Cityscapes layout): ``verbose`` prints the reference's
    class and category tables."""
    return _result(_core.cityscapes_files(str(gt_root), str(pred_dir), str(split), int(threads)), "confMatrix",
                   verbose)


def evaluate_cityscapes_arrays(label_ids, instance_ids, predictions, threads=0, verbose=False):
    """Cityscapes scores of images in memory: ``*_gtFine_labelIds``, ``*_gtFine_instanceIds``
    and predicted label ids per image, in the order to sum them (the reference sorts GT
    paths)."""
    return _result(_core.cityscapes_arrays(list(label_ids), list(instance_ids), list(predictions), int(threads)),
                   "confMatrix", verbose)


def read_png(path):
    """A label-map PNG as stored (uint8 or uint16; H x W, or H x W x C for several channels)."""
    return _core.read_png(str(path))
