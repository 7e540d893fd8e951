"""The golden suite's comparison (tb/golden/golden.py): exact numbers, same shape, host fields ignored.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import importlib.util
import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("golden", os.path.join(ROOT, "tb", "golden", "golden.py"))
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)


class GoldenDiff(unittest.TestCase):
    def test_equal_documents_have_no_difference(self):
        doc = {"a": 1, "b": [1.5, {"c": "x"}], "d": True}
        self.assertEqual(golden.diff(doc, {"a": 1, "b": [1.5, {"c": "x"}], "d": True}), [])

    def test_a_one_ulp_change_of_a_time_is_a_difference(self):
        t = 0.000983316896
        moved = t + t * 2.0**-52
        self.assertNotEqual(moved, t)
        lines = golden.diff({"cdma_offload_s": t}, {"cdma_offload_s": moved})
        self.assertEqual(len(lines), 1)
        self.assertIn("$.cdma_offload_s", lines[0])

    def test_byte_counts_compare_exactly(self):
        self.assertEqual(len(golden.diff({"bytes": 121900864}, {"bytes": 121900865})), 1)

    def test_shape_changes_are_differences(self):
        self.assertIn("missing", golden.diff({"a": {"b": 1}}, {"a": {}})[0])
        self.assertIn("not in the golden", golden.diff({"a": {}}, {"a": {"b": 1}})[0])
        self.assertIn("2 elements", golden.diff({"a": [1, 2]}, {"a": [1]})[0])
        self.assertIn("expected number", golden.diff({"a": 1}, {"a": "1"})[0])
        self.assertIn("expected boolean", golden.diff({"a": True}, {"a": 1})[0])

    def test_host_fields_are_ignored_wherever_they_are(self):
        self.assertEqual(golden.diff({"summary": {"wall_s": 1.0, "peak_rss_bytes": 5}, "wall_time_s": 2},
                                     {"summary": {"wall_s": 9.0}, "wall_time_s": 3}), [])

    def test_additions_can_be_allowed_and_are_listed(self):
        added = []
        self.assertEqual(golden.diff({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3}, added=added), [])
        self.assertEqual(sorted(added), ["$.a.c", "$.d"])
        # Only additions: a changed or missing field is still a difference.
        self.assertEqual(len(golden.diff({"a": 1, "b": 2}, {"a": 2}, added=[])), 2)

    def test_every_case_has_a_golden(self):
        for name in golden.load_cases():
            self.assertTrue(os.path.exists(os.path.join(golden.EXPECTED, name + ".json")), name)


if __name__ == "__main__":
    unittest.main()
