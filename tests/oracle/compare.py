#!/usr/bin/env python3
"""Compares Steward's Sigma matches with the pySigma oracle's (standard library only).

Usage:
    compare.py --explained EXPLAINED.tsv [--rules RULES_DIR]
               --dataset NAME EVENTS_DIR PYSIGMA.tsv STEWARD.ndjson [--dataset ...]

* PYSIGMA.tsv: tests/oracle/pysigma_matches.py output (rule_id, event_file, event_index);
  its sibling *.skipped.tsv, when present, annotates rules pySigma could not run.
* STEWARD.ndjson: `steward detect` stdout, one JSON object per match with at least
  rule_id, input (the path as passed on the command line) and index (0-based).
  Correlation alerts ("source": "correlation", or a rule pySigma lists as a correlation)
  are counted but not compared: the oracle evaluates single events only.
* EXPLAINED.tsv: rule_id, event_file, event_index, side (steward_only | pysigma_only),
  reason. Lines starting with '#' and the header are ignored.
* EVENTS_DIR/peer-matches.tsv, when present, adds a column saying whether the peer
  engine reports the pair (corpus/sigma/README.md).

Prints every disagreement, then warnings for explained entries that no longer occur,
then, as its last line:
    oracle: pairs_steward=A pairs_pysigma=B agree=C steward_only=D pysigma_only=E unexplained=F
Exit status: 0 when every disagreement is explained, 1 when not, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SIDES = ("steward_only", "pysigma_only")
Pair = tuple[str, str, int]  # rule_id, event_file relative to the events dir, index


class InputError(Exception):
    """An input file the comparison cannot trust."""


def read_tsv(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


def read_pysigma(path: Path) -> set[Pair]:
    pairs = set()
    for n, row in enumerate(read_tsv(path), 1):
        if row[:1] == ["rule_id"]:
            continue
        if len(row) != 3 or not row[2].isdigit():
            raise InputError(f"{path}: row {n} is not rule_id<TAB>event_file<TAB>event_index")
        pairs.add((row[0], row[1], int(row[2])))
    return pairs


def read_skipped(path: Path) -> dict[str, str]:
    """rule_id -> why pySigma did not run it."""
    if not path.is_file():
        return {}
    out = {}
    for row in read_tsv(path):
        if row[:1] == ["rule_path"] or len(row) < 3 or not row[1]:
            continue
        out.setdefault(row[1], row[2])
    return out


def relative_input(value: str, events_dir: Path) -> str | None:
    """The event file as a path relative to the events dir, '/' separated, or None."""
    path = Path(value)
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return Path(os.path.realpath(path)).relative_to(os.path.realpath(events_dir)).as_posix()
    except ValueError:
        return None


@dataclass
class StewardOutput:
    pairs: set[Pair] = field(default_factory=set)
    lines: int = 0
    duplicates: int = 0
    without_event: int = 0  # lines naming no single event
    correlations: int = 0  # correlation alerts: the oracle has no per-event answer for them


def read_steward(path: Path, events_dir: Path, correlation_ids: set[str]) -> StewardOutput:
    out = StewardOutput()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        out.lines += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: line {n} is not JSON: {error}") from error
        if not isinstance(obj, dict) or not isinstance(obj.get("rule_id"), str):
            raise InputError(f"{path}: line {n} has no string rule_id")
        if obj.get("source") == "correlation" or obj["rule_id"] in correlation_ids:
            out.correlations += 1
            continue
        if obj.get("input") is None or obj.get("index") is None:
            out.without_event += 1
            continue
        index = obj["index"]
        if not isinstance(obj["input"], str) or not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise InputError(f"{path}: line {n}: input must be a string, index an integer >= 0")
        rel = relative_input(obj["input"], events_dir)
        if rel is None:
            raise InputError(f"{path}: line {n}: input {obj['input']!r} is outside {events_dir}")
        pair = (obj["rule_id"], rel, index)
        if pair in out.pairs:
            out.duplicates += 1
        out.pairs.add(pair)
    return out


def read_explained(path: Path) -> dict[tuple[str, str, int, str], str]:
    explained: dict[tuple[str, str, int, str], str] = {}
    if not path.is_file():
        return explained
    for n, row in enumerate(read_tsv(path), 1):
        if row[:1] == ["rule_id"]:
            continue
        if len(row) < 5 or not row[2].isdigit() or row[3] not in SIDES or not row[4].strip():
            raise InputError(
                f"{path}: row {n} must be rule_id, event_file, event_index, "
                f"side ({' or '.join(SIDES)}), reason"
            )
        explained[(row[0], row[1], int(row[2]), row[3])] = "\t".join(row[4:]).strip()
    return explained


def read_peer(events_dir: Path) -> set[Pair] | None:
    path = events_dir / "peer-matches.tsv"
    if not path.is_file():
        return None
    pairs = set()
    for row in read_tsv(path):
        if row[:1] == ["rule_id"] or len(row) < 5 or not row[4].isdigit():
            continue
        # The peer names files from the shared/ folder: corpus/sigma/regression/<rel>.
        rel = re.sub(r"^.*?regression/", "", row[3])
        pairs.add((row[0], rel, int(row[4])))
    return pairs


def rule_paths(rules_dir: Path | None) -> dict[str, str]:
    """rule id -> file, read from top-level `id:` lines (cheap, for the report only)."""
    out: dict[str, str] = {}
    if rules_dir is None or not rules_dir.is_dir():
        return out
    for path in sorted(rules_dir.rglob("*.yml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in re.finditer(r"(?m)^id:\s*['\"]?([^\s'\"#]+)", text):
            out.setdefault(match.group(1), path.relative_to(rules_dir).as_posix())
    return out


@dataclass
class Totals:
    steward: int = 0
    pysigma: int = 0
    agree: int = 0
    steward_only: int = 0
    pysigma_only: int = 0
    unexplained: int = 0


def compare(args) -> int:
    explained = read_explained(args.explained)
    paths = rule_paths(args.rules)
    used: set[tuple[str, str, int, str]] = set()
    totals = Totals()
    for name, events_dir, pysigma_tsv, steward_ndjson in args.dataset:
        events_dir, pysigma_tsv, steward_ndjson = map(Path, (events_dir, pysigma_tsv, steward_ndjson))
        oracle = read_pysigma(pysigma_tsv)
        skipped = read_skipped(pysigma_tsv.with_name(pysigma_tsv.stem + ".skipped.tsv"))
        correlation_ids = {r for r, why in skipped.items() if why.startswith("correlation rule")}
        steward = read_steward(steward_ndjson, events_dir, correlation_ids)
        peer = read_peer(events_dir)

        agree = steward.pairs & oracle
        only = {"steward_only": steward.pairs - oracle, "pysigma_only": oracle - steward.pairs}
        totals.steward += len(steward.pairs)
        totals.pysigma += len(oracle)
        totals.agree += len(agree)
        totals.steward_only += len(only["steward_only"])
        totals.pysigma_only += len(only["pysigma_only"])

        notes = []
        if steward.duplicates:
            notes.append(f"{steward.duplicates} duplicate lines")
        if steward.without_event:
            notes.append(f"{steward.without_event} lines without input/index ignored")
        if steward.correlations:
            notes.append(f"{steward.correlations} correlation alerts not compared")
        print(
            f"oracle[{name}]: steward {len(steward.pairs)} pairs ({steward.lines} lines"
            f"{'; ' + '; '.join(notes) if notes else ''}), pysigma {len(oracle)} pairs, "
            f"agree {len(agree)}"
        )
        rows = []
        for side in SIDES:
            for rule_id, rel, index in sorted(only[side]):
                key = (rule_id, rel, index, side)
                reason = explained.get(key)
                if reason is not None:
                    used.add(key)
                else:
                    totals.unexplained += 1
                hint = ""
                if side == "steward_only" and rule_id in skipped:
                    hint = f" [pySigma skipped the rule: {skipped[rule_id]}]"
                peer_says = "" if peer is None else ("yes" if (rule_id, rel, index) in peer else "no")
                rows.append(
                    (side, rule_id, rel, str(index), peer_says,
                     paths.get(rule_id, "?"), (reason or "UNEXPLAINED") + hint)
                )
        if rows:
            header = ("side", "rule_id", "event_file", "index", "peer", "rule_path", "explanation")
            if peer is None:
                header = header[:4] + header[5:]
                rows = [r[:4] + r[5:] for r in rows]
            widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
            for row in [header, *rows]:
                print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    stale = sorted(set(explained) - used)
    for rule_id, rel, index, side in stale:
        print(f"warning: stale explanation (no longer a disagreement): {rule_id}\t{rel}\t{index}\t{side}")
    print(
        f"oracle: pairs_steward={totals.steward} pairs_pysigma={totals.pysigma} "
        f"agree={totals.agree} steward_only={totals.steward_only} "
        f"pysigma_only={totals.pysigma_only} unexplained={totals.unexplained}"
    )
    return 1 if totals.unexplained else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explained", type=Path, required=True)
    parser.add_argument("--rules", type=Path)
    parser.add_argument(
        "--dataset", nargs=4, action="append", required=True,
        metavar=("NAME", "EVENTS_DIR", "PYSIGMA_TSV", "STEWARD_NDJSON"),
    )
    args = parser.parse_args(argv)
    try:
        return compare(args)
    except (InputError, OSError) as error:
        print(f"oracle: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
