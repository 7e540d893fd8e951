"""docs/report.md documents report.json field by field: every field of the reports the golden cases wrote
(tb/golden/expected/train_*.json) is listed, and every field listed appears in some report.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import glob
import json
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def documented():
    """section -> field names, from the tables under '## `section`'."""
    sections, current = {}, None
    with open(os.path.join(ROOT, "docs", "report.md")) as f:
        for line in f:
            m = re.match(r"## `([\w.<>]+)`", line)
            if m:
                current = m.group(1)
                sections[current] = set()
                continue
            m = re.match(r"\| `(\w+)` \|", line)
            if m and current:
                sections[current].add(m.group(1))
    return sections


def reported():
    sections = {"summary": set(), "layers": set(), "run": set(), "top": set(), "memory": set(),
                "memory.<config>": set()}
    for path in glob.glob(os.path.join(ROOT, "tb", "golden", "expected", "train_*.json")):
        with open(path) as f:
            r = json.load(f)
        sections["top"] |= set(r)
        sections["summary"] |= set(r["summary"])
        sections["run"] |= set(r.get("run", {}))
        sections["memory"] |= set(r["memory"])
        for config in ("oracle", "vdnn", "cdma"):
            sections["memory.<config>"] |= set(r["memory"][config])
        for layer in r["layers"]:
            sections["layers"] |= set(layer)
    return sections


class ReportDoc(unittest.TestCase):
    def test_every_field_is_documented_and_every_documented_field_is_reported(self):
        doc, rep = documented(), reported()
        # The goldens are stored without host fields (run, wall_s, peak_rss_bytes): they are checked here by
        # name against the page, and their presence by tb/tools/test_sim_tool.cpp.
        self.assertEqual(rep["top"], {"summary", "memory", "layers", "platform_stats"})
        for host in ("wall_s", "peak_rss_bytes"):
            self.assertIn(host, doc["summary"])
        self.assertEqual(doc["run"], {"command", "overrides", "platform_file", "version", "build_type"})
        for section in ("summary", "layers", "memory", "memory.<config>"):
            self.assertEqual(rep[section] - doc[section], set(), f"{section}: reported, not documented")
            self.assertEqual(doc[section] - rep[section] - {"wall_s", "peak_rss_bytes"}, set(),
                             f"{section}: documented, never reported")
        self.assertIn("platform_stats", doc)


if __name__ == "__main__":
    unittest.main()
