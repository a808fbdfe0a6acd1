"""A script written for pycocotools (tests/python/pycocotools_script.py) runs unchanged after
deteval.init_as_pycocotools() and prints what it printed with pycocotools (timings masked)."""
import os
import re
import subprocess
import sys
import unittest

import util


class DropIn(unittest.TestCase):
    def test_pycocotools_script_unchanged(self):
        script = os.path.join(util.ROOT, "tests", "python", "pycocotools_script.py")
        case = os.path.join(util.CASES, "random_medium_200img")
        runner = ("import sys, runpy, deteval; deteval.init_as_pycocotools(); "
                  "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
        out = subprocess.run([sys.executable, "-c", runner, script, os.path.join(case, "gt.json"),
                              os.path.join(case, "dt.json")], capture_output=True, text=True, check=True).stdout
        expected = util.read_text(os.path.join(util.REFS, "dropin_expected.txt"))
        self.assertEqual(re.sub(r"t=[0-9.]+s", "t=X", out), expected)

    def test_modules_resolve(self):
        runner = ("import deteval; deteval.init_as_pycocotools(); import pycocotools.coco, pycocotools.cocoeval, "
                  "pycocotools.mask; from pycocotools import mask; from pycocotools.cocoeval import COCOeval; "
                  "print(pycocotools.coco.COCO.__module__, COCOeval.__module__, mask.__name__)")
        out = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.split(), ["deteval.coco", "deteval.cocoeval", "deteval.mask"])


if __name__ == "__main__":
    unittest.main()
