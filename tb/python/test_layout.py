"""The tree's layering rules (docs/architecture.md), checked on every #include of the C++ sources:

- includes name their folder ("runner/transfer_run.h"), except a test's helpers in its own folder;
- models/ never includes from platforms/ or sim/; models/tlm/ (generic TLM plumbing) only from tlm/, stats/ and
  util/; models/stats/ only from stats/ and util/;
  models/codec/ and models/config/ use no SystemC (config reads only tlm/timing_mode.h of the models);
- platforms/ never includes from sim/;
- no library includes from a program folder (sim/apps, sim/bench), and the programs have no headers.

    /usr/bin/python3 -m unittest discover -s tb/python -t .      (from the repository root)
"""

import glob
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# Folder prefixes a quoted include may start with, and where each lives.
FOLDERS = {
    "util": "models/util", "stats": "models/stats", "codec": "models/codec", "config": "models/config", "tlm": "models/tlm", "memory": "models/memory",
    "compression": "models/compression", "interconnect": "models/interconnect", "dma": "models/dma",
    "soc": "platforms/soc", "runner": "sim/runner", "training": "sim/training", "tensor": "sim/tensor",
    "codec_tool": "sim/codec_tool", "common": "tb/common",
}


def sources(*patterns):
    files = []
    for pattern in patterns:
        files += glob.glob(os.path.join(ROOT, pattern), recursive=True)
    return sorted(f for f in files if f.endswith((".h", ".cpp")))


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def rel(path):
    return os.path.relpath(path, ROOT)


class Layout(unittest.TestCase):
    def quoted(self, path):
        return [name for kind, name in includes(path) if kind == '"']

    def test_includes_name_their_folder(self):
        for path in sources("models/**", "platforms/**", "sim/**", "tb/**"):
            here = os.path.dirname(path)
            for name in self.quoted(path):
                if os.path.exists(os.path.join(here, name)) and "/" not in name and rel(path).startswith("tb/"):
                    continue  # a test's own helper next to it
                if re.match(r"V\w+\.h$", name):
                    continue  # a Verilated model (rtl/CMakeLists.txt)
                folder = name.split("/")[0]
                self.assertIn(folder, FOLDERS, f"{rel(path)}: #include \"{name}\" does not name a library folder")
                self.assertTrue(os.path.exists(os.path.join(ROOT, FOLDERS[folder], name[len(folder) + 1:])),
                                f"{rel(path)}: #include \"{name}\": no such file")

    def assert_never(self, patterns, forbidden, why):
        for path in sources(*patterns):
            for name in self.quoted(path):
                self.assertNotIn(name.split("/")[0], forbidden, f"{rel(path)}: #include \"{name}\": {why}")

    def test_models_do_not_depend_on_platforms_or_programs(self):
        self.assert_never(["models/**"], {"soc", "runner", "training", "tensor", "codec_tool", "common"},
                          "models/ depends on nothing above it")

    def test_generic_tlm_plumbing_knows_no_codec_nor_protocol(self):
        self.assert_never(["models/tlm/**"], set(FOLDERS) - {"tlm", "util", "stats"},
                          "models/tlm includes only tlm/, stats/ and util/")

    def test_statistics_depend_on_nothing_but_util(self):
        self.assert_never(["models/stats/**"], set(FOLDERS) - {"stats", "util"}, "models/stats is generic")

    def test_codecs_and_config_use_no_systemc(self):
        for path in sources("models/codec/**", "models/config/**"):
            for kind, name in includes(path):
                self.assertFalse(name in ("systemc", "tlm") or name.startswith(("sysc/", "tlm_")),
                                 f"{rel(path)}: includes SystemC")
            for name in self.quoted(path):
                # tlm/timing_mode.h is the one header-only enum the config shares with the models.
                self.assertTrue(name.split("/")[0] in {"util", "codec", "config"} or name == "tlm/timing_mode.h",
                                f"{rel(path)}: #include \"{name}\"")

    def test_platforms_do_not_depend_on_sim(self):
        self.assert_never(["platforms/**"], {"runner", "training", "tensor", "codec_tool", "common"},
                          "platforms/ depends only on models/")

    def test_programs_have_no_headers_and_libraries_do_not_reach_them(self):
        self.assertEqual([rel(p) for p in sources("sim/apps/**", "sim/bench/**") if p.endswith(".h")], [])
        for path in sources("models/**", "platforms/**", "sim/runner/**", "sim/training/**", "sim/tensor/**",
                            "sim/codec_tool/**"):
            for name in self.quoted(path):
                self.assertFalse(name.startswith(("apps/", "bench/")), f"{rel(path)}: #include \"{name}\"")


if __name__ == "__main__":
    unittest.main()
