"""Tests of the comparison half with fake Steward output (run: scripts/sigma-oracle selftest)."""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "fixtures"
sys.path.insert(0, str(HERE))

import compare  # noqa: E402

R1, R2, R3 = "11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002", "r3"
HEADER = "rule_id\tevent_file\tevent_index\tside\treason\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ndjson(*objects) -> str:
    return "".join(json.dumps(o) + "\n" for o in objects)


class CompareTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.events = self.tmp / "events"
        write(self.events / "a.json", "{}")
        write(self.events / "sub" / "b.json", "{}\n{}")
        self.pysigma = write(
            self.tmp / "pysigma.tsv",
            f"rule_id\tevent_file\tevent_index\n{R1}\ta.json\t0\n{R2}\tsub/b.json\t1\n",
        )
        write(self.tmp / "pysigma.skipped.tsv", f"rule_path\trule_id\treason\nx.yml\t{R3}\tparse: boom\n")

    def tearDown(self):
        self._tmp.cleanup()

    def run_compare(self, steward_lines: str, explained: str = HEADER):
        steward = write(self.tmp / "steward.ndjson", steward_lines)
        exp = write(self.tmp / "explained.tsv", explained)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = compare.main([
                "--explained", str(exp),
                "--dataset", "t", str(self.events), str(self.pysigma), str(steward),
            ])
        return code, out.getvalue(), err.getvalue()

    def test_full_agreement(self):
        # Absolute and relative spellings of the input both name the same event file.
        rel = os.path.relpath(self.events / "sub" / "b.json")
        code, out, _ = self.run_compare(ndjson(
            {"rule_id": R1, "input": str(self.events / "a.json"), "index": 0, "title": "t"},
            {"rule_id": R2, "input": rel, "index": 1},
        ))
        self.assertEqual(code, 0)
        self.assertEqual(
            out.splitlines()[-1],
            "oracle: pairs_steward=2 pairs_pysigma=2 agree=2 steward_only=0 pysigma_only=0 unexplained=0",
        )

    def test_disagreements_unexplained_then_explained(self):
        lines = ndjson(
            {"rule_id": R1, "input": str(self.events / "a.json"), "index": 0},
            {"rule_id": R1, "input": str(self.events / "a.json"), "index": 0},  # duplicate
            {"rule_id": R3, "input": str(self.events / "sub/b.json"), "index": 0},
            {"rule_id": "noevent", "title": "a line naming no event"},
            {"rule_id": R3, "source": "correlation", "input": str(self.events / "a.json"), "index": 0},
        )
        code, out, _ = self.run_compare(lines)
        self.assertEqual(code, 1)
        self.assertEqual(
            out.splitlines()[-1],
            "oracle: pairs_steward=2 pairs_pysigma=2 agree=1 steward_only=1 pysigma_only=1 unexplained=2",
        )
        self.assertIn("1 duplicate lines", out)
        self.assertIn("1 lines without input/index ignored", out)
        self.assertIn("1 correlation alerts not compared", out)
        self.assertIn("pySigma skipped the rule: parse: boom", out)
        self.assertEqual(out.count("UNEXPLAINED"), 2)

        explained = HEADER + (
            "# comments are allowed\n"
            f"{R3}\tsub/b.json\t0\tsteward_only\tpySigma cannot parse the rule\n"
            f"{R2}\tsub/b.json\t1\tpysigma_only\tbackend reads X as Y\n"
            f"{R1}\ta.json\t5\tsteward_only\tgone since\n"
        )
        code, out, _ = self.run_compare(lines, explained)
        self.assertEqual(code, 0)
        self.assertIn("backend reads X as Y", out)
        self.assertIn(f"warning: stale explanation (no longer a disagreement): {R1}\ta.json\t5", out)
        self.assertTrue(out.splitlines()[-1].endswith("unexplained=0"))

    def test_side_matters_for_explanations(self):
        explained = HEADER + f"{R2}\tsub/b.json\t1\tsteward_only\twrong side\n"
        code, out, _ = self.run_compare(
            ndjson({"rule_id": R1, "input": str(self.events / "a.json"), "index": 0}), explained
        )
        self.assertEqual(code, 1)
        self.assertTrue(out.splitlines()[-1].endswith("pysigma_only=1 unexplained=1"))

    def test_bad_inputs_are_errors(self):
        for bad in ("not json\n", ndjson({"input": "a.json", "index": 0}),
                    ndjson({"rule_id": R1, "input": "/elsewhere/a.json", "index": 0}),
                    ndjson({"rule_id": R1, "input": str(self.events / "a.json"), "index": -1})):
            code, _, err = self.run_compare(bad)
            self.assertEqual(code, 2, bad)
            self.assertIn("oracle: error:", err)
        code, _, err = self.run_compare("", HEADER + "r\ta.json\t0\tboth\twhy\n")
        self.assertEqual(code, 2)


FAKE_STEWARD = r'''#!/usr/bin/env python3
# Fake `steward detect`: prints the pairs of $FAKE_PAIRS for the files it is given.
import json, os, sys
args = sys.argv[1:]
assert args[:2] == ["detect", "--rules"], args
files = args[3:]
for line in open(os.environ["FAKE_PAIRS"]).read().splitlines()[1:]:
    rule_id, rel, index = line.split("\t")
    for f in files:
        if f.endswith("/" + rel):
            print(json.dumps({"rule_id": rule_id, "input": f, "index": int(index), "title": "x"}))
'''


@unittest.skipUnless(
    (Path(sys.prefix) / ".steward-requirements").is_file(),
    "end-to-end test runs inside the oracle venv (scripts/sigma-oracle selftest)",
)
class ScriptEndToEndTest(unittest.TestCase):
    def run_script(self, tmp: Path, pairs: str, explained: str = HEADER, **env):
        steward = write(tmp / "fake-steward", FAKE_STEWARD)
        steward.chmod(0o755)
        full_env = dict(
            os.environ,
            STEWARD_ORACLE_VENV=sys.prefix,
            STEWARD_ORACLE_RULES=str(FIXTURES / "rules"),
            STEWARD_ORACLE_EVENTS=str(FIXTURES / "events"),
            STEWARD_ORACLE_MAPPING=str(FIXTURES / "logsource-mapping.yml"),
            STEWARD_ORACLE_EXPLAINED=str(write(tmp / "explained.tsv", explained)),
            STEWARD_ORACLE_OUT=str(tmp / "out"),
            FAKE_PAIRS=str(write(tmp / "pairs.tsv", pairs)),
        )
        full_env.pop("STEWARD_HIDDEN", None)
        full_env.update(env)
        return subprocess.run(
            [str(ROOT / "scripts" / "sigma-oracle"), str(steward)],
            env=full_env, capture_output=True, text=True, timeout=300,
        )

    def test_agreeing_fake_steward_passes(self):
        expected = (FIXTURES / "expected.tsv").read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            res = self.run_script(Path(tmp), expected)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(
            res.stdout.splitlines()[-1],
            "oracle: pairs_steward=18 pairs_pysigma=18 agree=18 steward_only=0 pysigma_only=0 unexplained=0",
        )

    def test_disagreeing_fake_steward_fails_and_hidden_set_runs_too(self):
        lines = (FIXTURES / "expected.tsv").read_text(encoding="utf-8").splitlines()
        pairs = "\n".join(lines[:-1] + ["00000000-0000-4000-8000-000000000007\ta.json\t0"]) + "\n"
        with tempfile.TemporaryDirectory() as tmp:
            hidden = Path(tmp) / "hidden"
            (hidden / "sigma-regression").mkdir(parents=True)
            write(hidden / "sigma-regression" / "one" / "a.json",
                  (FIXTURES / "events" / "a.json").read_text(encoding="utf-8"))
            res = self.run_script(Path(tmp), pairs, STEWARD_HIDDEN=str(hidden))
        self.assertEqual(res.returncode, 1, res.stdout + res.stderr)
        self.assertIn("oracle[hidden]", res.stdout)
        # regression: 16 vs 16 with one pair each way; hidden: a.json only, and the
        # fake names its pairs by 'a.json', which the hidden copy's path also ends with.
        self.assertIn("00000000-0000-4000-8000-000000000007", res.stdout)
        self.assertIn("UNEXPLAINED", res.stdout)
        self.assertRegex(res.stdout.splitlines()[-1], r"^oracle: pairs_steward=\d+ .* unexplained=[1-9]\d*$")

    def test_absent_corpus_skips(self):
        with tempfile.TemporaryDirectory() as tmp:
            res = self.run_script(Path(tmp), "", STEWARD_ORACLE_EVENTS=str(Path(tmp) / "none"))
        self.assertEqual(res.returncode, 0)
        self.assertIn("skipped: Sigma corpus not found", res.stdout)


if __name__ == "__main__":
    unittest.main()
