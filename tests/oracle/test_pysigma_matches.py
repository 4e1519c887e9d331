"""Tests of the pySigma half on own small fixtures (run: scripts/sigma-oracle selftest)."""

import io
import sys
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
sys.path.insert(0, str(HERE))

import pysigma_matches as pm  # noqa: E402


def system(**extra):
    base = {
        "Provider": {"#attributes": {"Name": "Prov", "Guid": "{G}"}},
        "EventID": 1,
        "TimeCreated": {"#attributes": {"SystemTime": "2026-01-01T00:00:00Z"}},
        "Channel": "Chan",
        "Correlation": None,
    }
    base.update(extra)
    return base


class FlattenTest(unittest.TestCase):
    def test_system_fields_by_name_and_attributes(self):
        fields = pm.flatten_event({"Event": {"System": system(), "EventData": {}}})
        self.assertEqual(fields["Provider_Name"], "Prov")
        self.assertEqual(fields["Provider_Guid"], "{G}")
        self.assertEqual(fields["TimeCreated_SystemTime"], "2026-01-01T00:00:00Z")
        self.assertEqual(fields["EventID"], 1)
        self.assertEqual(fields["Channel"], "Chan")
        self.assertNotIn("Correlation", fields)

    def test_event_id_with_qualifiers_gives_its_text(self):
        sysm = system(EventID={"#attributes": {"Qualifiers": 16384}, "#text": 7036})
        fields = pm.flatten_event({"Event": {"System": sysm}})
        self.assertEqual(fields["EventID"], 7036)
        self.assertEqual(fields["EventID_Qualifiers"], 16384)

    def test_event_data_spaces_removed_attributes_skipped(self):
        data = {"#attributes": {"Name": "TaskDisabled"}, "Threat Name": "X", "Flag": True,
                "Obj": {"#text": "t"}, "Empty": ""}
        fields = pm.flatten_event({"Event": {"System": system(), "EventData": data}})
        self.assertEqual(fields["ThreatName"], "X")
        self.assertEqual(fields["Flag"], "true")
        self.assertEqual(fields["Obj"], "t")
        self.assertEqual(fields["Empty"], "")
        self.assertNotIn("Name", fields)

    def test_user_data_leaves_and_system_precedence(self):
        user = {"LogFileCleared": {"#attributes": {"xmlns": "ns"}, "SubjectUserName": "bob",
                                   "Inner": {"Channel": "not-this", "Deep Leaf": 5}}}
        fields = pm.flatten_event({"Event": {"System": system(), "UserData": user}})
        self.assertEqual(fields["SubjectUserName"], "bob")
        self.assertEqual(fields["DeepLeaf"], 5)
        self.assertNotIn("xmlns", fields)
        self.assertEqual(fields["Channel"], "Chan")

    def test_concatenated_json_objects(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.json"
            path.write_text('{\n "a": 1\n}\n{"a": 2}  \n\n[3]\n', encoding="utf-8")
            self.assertEqual(pm.read_json_objects(path), [{"a": 1}, {"a": 2}, [3]])


class RegexpTest(unittest.TestCase):
    def test_null_and_bad_patterns_are_false(self):
        self.assertFalse(pm.regexp("a", None))
        self.assertFalse(pm.regexp("(", "("))
        self.assertTrue(pm.regexp("(?i)^ab", "ABc"))
        self.assertFalse(pm.regexp("^ab", "ABc"))


class FixtureRunTest(unittest.TestCase):
    def test_fixture_rules_over_fixture_events(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.tsv"
            with redirect_stderr(io.StringIO()) as err:
                code = pm.main([
                    "--mapping", str(FIXTURES / "logsource-mapping.yml"),
                    str(FIXTURES / "rules"), str(FIXTURES / "events"), str(out),
                ])
            self.assertEqual(code, 0, err.getvalue())
            expected = (FIXTURES / "expected.tsv").read_text(encoding="utf-8")
            self.assertEqual(out.read_text(encoding="utf-8"), expected)
            skipped = (Path(tmp) / "out.skipped.tsv").read_text(encoding="utf-8").splitlines()
            reasons = {line.split("\t")[0]: line.split("\t")[2] for line in skipped[1:]}
            self.assertEqual(set(reasons), {"broken.yml", "linux.yml", "unmapped.yml"})
            self.assertIn("Unknown modifier", reasons["broken.yml"])
            self.assertIn("non-Windows", reasons["linux.yml"])
            self.assertIn("not in logsource-mapping.yml", reasons["unmapped.yml"])
            self.assertIn("18 matching pairs", err.getvalue())

    def test_missing_dirs_are_usage_errors(self):
        with tempfile.TemporaryDirectory() as tmp, redirect_stderr(io.StringIO()):
            code = pm.main([str(Path(tmp) / "no"), str(FIXTURES / "events"),
                            str(Path(tmp) / "o.tsv")])
        self.assertEqual(code, 2)


if __name__ == "__main__":
    unittest.main()
