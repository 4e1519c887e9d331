#!/usr/bin/env python3
"""pySigma + SQLite oracle: which (rule, event) pairs match on a set of Windows events.

Usage:
    pysigma_matches.py RULES_DIR EVENTS_DIR OUT.tsv [--skipped FILE] [--mapping FILE]

Runs under the venv that scripts/sigma-oracle creates (pysigma, pysigma-backend-sqlite).

* Rules: every *.yml / *.yaml under RULES_DIR, parsed with pySigma (SigmaCollection, the
  trusted regex policy so rules with look-arounds are not rejected by RE2 validation).
  Rules that cannot be parsed or converted, correlation rules, base rules a correlation
  hides (generate: false) and rules whose log source cannot occur in Windows event logs
  are listed, with the reason, in the skipped file (default OUT.skipped.tsv).
* Events: every *.json under EVENTS_DIR; a file holds one or more JSON objects one after
  another. Each event becomes one row of an in-memory SQLite table, flattened to Sigma
  field names (see flatten_event), every column TEXT COLLATE NOCASE as Zircolite, the
  backend's reference consumer, builds it.
* Log sources: logsource-mapping.yml (default RULES_DIR/../logsource/logsource-mapping.yml)
  becomes one pySigma processing pipeline per mapping variant (conditions such as EventID,
  the Channel of the rewritten service, field renames). A rule is converted once per
  variant that fits its log source and matches an event when any variant does. A Windows
  service the file does not list takes its channels from pySigma's own table
  (sigma.pipelines.common.windows_logsource_mapping); a rule of product windows with
  neither category nor service applies to every Windows event; any other log source
  matches nothing.
* Output: TSV with header rule_id, event_file (relative to EVENTS_DIR, '/' separated),
  event_index (0-based position of the object in its file), sorted.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.backends.sqlite.correlation import quote
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.pipelines.common import windows_logsource_mapping
from sigma.policy.profiles import TrustedPolicy
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddConditionTransformation,
    FieldMappingTransformation,
)
from sigma.rule import SigmaRule

TABLE = "logs"
# Column holding every value of the event, newline separated, for keyword (value-only)
# detections: the backend turns a keyword into LIKE '%keyword%' over this column.
FULLTEXT = "_fulltext"
FILE_COL = "_event_file"
INDEX_COL = "_event_index"
WINEVENTLOG = "WinEventLog:"


# ---------------------------------------------------------------------------------------
# Events


def read_json_objects(path: Path) -> list[object]:
    """All JSON values in a file of concatenated (pretty-printed) JSON documents."""
    text = path.read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return values
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)


def scalar(value: object) -> object:
    """A JSON leaf as SQLite stores it. Booleans become 'true'/'false' like Zircolite."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def text_of(value: object) -> object:
    """Element text: '#text' of an object that carries attributes, else the value."""
    if isinstance(value, dict) and "#text" in value:
        return value["#text"]
    return value


def flatten_event(obj: object) -> dict[str, object]:
    """Sigma field names of one EVTX-as-JSON event (corpus/sigma/README.md convention).

    * Event.System.<name> by its name; nested attributes as <name>_<attribute>
      (Provider_Name, TimeCreated_SystemTime, Execution_ProcessID, Security_UserID);
      an element with '#text' (EventID with Qualifiers) gives its text.
    * Event.EventData.<name> with spaces removed ("Threat Name" -> ThreatName); an
      object value gives its '#text'. The attributes of EventData itself are not fields.
    * Event.UserData.*: every leaf (element or attribute other than xmlns) by its own name,
      spaces removed.
    A name already taken (System first, then EventData, then UserData) keeps its first value.
    """
    out: dict[str, object] = {}
    event = obj.get("Event", obj) if isinstance(obj, dict) else {}
    if not isinstance(event, dict):
        return out

    def put(name: str, value: object) -> None:
        name = name.replace(" ", "")
        if name and name not in out:
            out[name] = scalar(value)

    system = event.get("System")
    if isinstance(system, dict):
        for name, value in system.items():
            if isinstance(value, dict):
                if "#text" in value:
                    put(name, value["#text"])
                for attr, attr_value in (value.get("#attributes") or {}).items():
                    put(f"{name}_{attr}", attr_value)
            elif value is not None:
                put(name, value)

    data = event.get("EventData")
    if isinstance(data, dict):
        for name, value in data.items():
            if name == "#attributes":
                continue
            value = text_of(value)
            if value is not None:
                put(name, value)

    def leaves(node: object, name: str | None) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                if key == "#attributes" and isinstance(child, dict):
                    for attr, attr_value in child.items():
                        if attr != "xmlns":  # namespaces are XML plumbing, not data
                            leaves(attr_value, attr)
                elif key == "#text":
                    leaves(child, name)
                else:
                    leaves(child, key)
        elif node is not None and name is not None:
            put(name, node)

    user = event.get("UserData")
    if isinstance(user, dict):
        for child in user.values():
            leaves(child, None)
    return out


@dataclass
class EventTable:
    connection: sqlite3.Connection
    count: int
    files: int
    columns: set[str] = field(default_factory=set)


def lowered(names) -> set[str]:
    return {n.lower() for n in names}


def load_events(events_dir: Path) -> EventTable:
    rows = []
    files = sorted(p for p in events_dir.rglob("*.json") if p.is_file())
    for path in files:
        rel = path.relative_to(events_dir).as_posix()
        try:
            objects = read_json_objects(path)
        except (ValueError, UnicodeDecodeError) as error:
            raise SystemExit(f"pysigma_matches: cannot read events from {path}: {error}")
        for index, obj in enumerate(objects):
            rows.append((rel, index, flatten_event(obj)))

    # SQLite column names are case-insensitive: the first spelling seen names the column.
    columns: dict[str, str] = {}
    for _, _, fields in rows:
        for name in fields:
            columns.setdefault(name.lower(), name)
    names = sorted(columns.values(), key=str.lower)

    connection = sqlite3.connect(":memory:")
    connection.create_function("regexp", 2, regexp, deterministic=True)
    definitions = [f"{quote(FILE_COL)} TEXT", f"{quote(INDEX_COL)} INTEGER"]
    definitions += [f"{quote(FULLTEXT)} TEXT COLLATE NOCASE"]
    definitions += [f"{quote(n)} TEXT COLLATE NOCASE" for n in names]
    connection.execute(f"CREATE TABLE {TABLE} ({', '.join(definitions)})")
    for rel, index, fields in rows:
        by_column = {columns[k.lower()]: v for k, v in fields.items()}
        text = "\n".join(str(v) for v in by_column.values() if v is not None)
        cols = [FILE_COL, INDEX_COL, FULLTEXT] + list(by_column)
        values = [rel, index, text] + list(by_column.values())
        connection.execute(
            f"INSERT INTO {TABLE} ({', '.join(quote(c) for c in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})",
            values,
        )
    table = EventTable(connection, len(rows), len(files))
    table.columns = lowered([FILE_COL, INDEX_COL, FULLTEXT, *names])
    return table


# ---------------------------------------------------------------------------------------
# REGEXP: SQLite has none built in. Python's re stands in for the PCRE-like flavour Sigma
# rules are written in; a pattern it cannot compile is reported and matches nothing.

_REGEX_CACHE: dict[str, re.Pattern | None] = {}
REGEX_ERRORS: dict[str, str] = {}


def regexp(pattern: str | None, value: object) -> bool:
    if pattern is None or value is None:
        return False
    compiled = _REGEX_CACHE.get(pattern, False)
    if compiled is False:
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            REGEX_ERRORS[pattern] = str(error)
            compiled = None
        _REGEX_CACHE[pattern] = compiled
    return compiled is not None and compiled.search(str(value)) is not None


# ---------------------------------------------------------------------------------------
# Backend


class OracleBackend(sqliteBackend):
    """The SQLite backend with the corpus's reading of `field: null`.

    The Sigma specification leaves null to the target ("depends on the target SIEM"); the
    corpus defines it as "the field is absent or empty" (corpus/sigma/README.md), while the
    backend emits only IS NULL. `|exists: false` keeps the backend's IS NULL.
    """

    field_null_expression = "({field} IS NULL OR {field} = '')"


# ---------------------------------------------------------------------------------------
# Log sources -> processing pipelines


@dataclass
class Variant:
    """One way a log source appears in Windows event logs."""

    name: str
    conditions: dict
    fieldmappings: dict
    # The log source the variant is for; also guards the pipeline's items.
    applies_to: LogsourceCondition | None = None
    pipeline: ProcessingPipeline | None = None
    backend: OracleBackend | None = None

    def get_backend(self) -> OracleBackend:
        if self.backend is None:

            def guard() -> list[LogsourceCondition]:
                # pySigma binds a condition to one item: each item gets its own copy.
                if self.applies_to is None:
                    return []
                ls = self.applies_to.logsource
                return [LogsourceCondition(ls.category, ls.product, ls.service)]

            items = []
            if self.fieldmappings:
                items.append(
                    ProcessingItem(
                        identifier=f"{self.name}-fields",
                        transformation=FieldMappingTransformation(dict(self.fieldmappings)),
                        rule_conditions=guard(),
                    )
                )
            if self.conditions:
                items.append(
                    ProcessingItem(
                        identifier=f"{self.name}-logsource",
                        transformation=AddConditionTransformation(dict(self.conditions)),
                        rule_conditions=guard(),
                    )
                )
            self.pipeline = ProcessingPipeline(items=items, name=f"logsource {self.name}")
            self.backend = OracleBackend(
                processing_pipeline=self.pipeline, table=TABLE, fulltext_field=FULLTEXT
            )
        return self.backend


def selector(entry: dict) -> LogsourceCondition:
    return LogsourceCondition(
        category=entry.get("category"),
        product=entry.get("product"),
        service=entry.get("service"),
    )


def fits(entry: dict, logsource: dict) -> bool:
    """pySigma's log source containment: every attribute the entry names is equal."""
    return all(
        entry.get(key) is None or entry.get(key) == logsource.get(key)
        for key in ("category", "product", "service")
    )


class LogsourceMap:
    """logsource-mapping.yml (THOR format) read as the upstream regression tests read it.

    An entry with `conditions` turns a category into event conditions plus a rewritten
    (product, service); an entry with `sources` names the channels of a (product, service).
    """

    def __init__(self, path: Path):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.entries = list((doc.get("logsources") or {}).items())
        self.variants: dict[str, Variant] = {}

    def _channels(self, logsource: dict) -> tuple[list[str], bool]:
        """(WinEventLog channels, whether any source entry fits) for a logsource dict."""
        channels, found = [], False
        for _, entry in self.entries:
            if "sources" not in entry or "conditions" in entry:
                continue
            if not (entry.get("product") or entry.get("service")):
                continue  # category-only file sources (logfile, appliance)
            if fits(entry, logsource):
                found = True
                for source in entry["sources"]:
                    if isinstance(source, str) and source.startswith(WINEVENTLOG):
                        channels.append(source[len(WINEVENTLOG):])
        return channels, found

    def variants_for(self, rule: SigmaRule) -> tuple[list[Variant], str | None]:
        """The variants a rule is converted with, or ([], why it can match nothing)."""
        ls = rule.logsource
        key = f"{ls.product}/{ls.category}/{ls.service}"
        found = []
        for name, entry in self.entries:
            if "conditions" in entry and selector(entry).match(rule):
                found.append((name, entry))
        if found:
            out = []
            for name, entry in found:
                if name not in self.variants:
                    rewrite = entry.get("rewrite") or {}
                    conditions = dict(entry.get("conditions") or {})
                    channels, _ = self._channels(rewrite) if rewrite else ([], False)
                    if rewrite.get("product", ls.product) != "windows":
                        continue
                    if channels:
                        conditions["Channel"] = channels
                    self.variants[name] = Variant(
                        name, conditions, dict(entry.get("fieldmappings") or {}), selector(entry)
                    )
                out.append(self.variants[name])
            if out:
                return out, None
            return [], f"logsource {key}: mapped to a non-Windows source"
        channels, known = self._channels(
            {k: v for k, v in (("product", ls.product), ("service", ls.service)) if v}
        )
        if ls.service and channels:
            name = f"service:{ls.product}/{ls.service}"
            if name not in self.variants:
                self.variants[name] = Variant(
                    name,
                    {"Channel": channels},
                    {},
                    LogsourceCondition(product=ls.product, service=ls.service),
                )
            return [self.variants[name]], None
        if known:
            return [], f"logsource {key}: mapped to a non-Windows source"
        if ls.product == "windows" and ls.service and not ls.category:
            # Services logsource-mapping.yml leaves out (dns-server, driver-framework, ...):
            # pySigma's own service -> channel table decides.
            extra = windows_logsource_mapping.get(ls.service)
            if extra:
                name = f"pysigma-service:{ls.service}"
                if name not in self.variants:
                    self.variants[name] = Variant(
                        name,
                        {"Channel": [extra] if isinstance(extra, str) else list(extra)},
                        {},
                        LogsourceCondition(product=ls.product, service=ls.service),
                    )
                return [self.variants[name]], None
        if ls.product == "windows" and not ls.category and not ls.service:
            name = "product:windows"
            if name not in self.variants:
                self.variants[name] = Variant(name, {}, {})
            return [self.variants[name]], None
        if ls.product != "windows" and ls.product is not None:
            return [], f"logsource {key}: product is not windows"
        return [], f"logsource {key}: not in logsource-mapping.yml"


# ---------------------------------------------------------------------------------------
# Rules


@dataclass
class Skip:
    path: str
    rule_id: str
    reason: str


def first_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:300]


def parse_file(text: str) -> SigmaCollection:
    return SigmaCollection.from_yaml(text, collect_errors=True, policy=TrustedPolicy)


def rule_errors(rule) -> list[BaseException]:
    return list(getattr(rule, "errors", []) or [])


def run_rules(rules_dir: Path, mapping: LogsourceMap, table: EventTable):
    matches: set[tuple[str, str, int]] = set()
    skipped: list[Skip] = []
    stats = {"files": 0, "rules": 0, "converted": 0, "queries": 0}
    paths = sorted(
        p for p in rules_dir.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml")
    )
    for path in paths:
        stats["files"] += 1
        rel = path.relative_to(rules_dir).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
            collection = parse_file(text)
        except (SigmaError, yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
            skipped.append(Skip(rel, "", "parse: " + first_line(error)))
            continue
        for position, rule in enumerate(collection.rules):
            stats["rules"] += 1
            rule_id = str(rule.id) if getattr(rule, "id", None) else ""
            errors = rule_errors(rule)
            if errors:
                skipped.append(Skip(rel, rule_id, "parse: " + first_line(errors[0])))
                continue
            if isinstance(rule, SigmaCorrelationRule):
                skipped.append(
                    Skip(rel, rule_id, "correlation rule: no per-event (rule, event) pairs")
                )
                continue
            if not rule._output:
                skipped.append(
                    Skip(rel, rule_id, "base rule of a correlation without generate: true")
                )
                continue
            if not rule_id:
                skipped.append(Skip(rel, "", "rule has no id"))
                continue
            variants, why = mapping.variants_for(rule)
            if not variants:
                skipped.append(Skip(rel, rule_id, why or "no log source variant"))
                continue
            converted = False
            for variant in variants:
                # Each variant transforms the rule in place, so it converts a fresh parse.
                fresh = parse_file(text).rules[position]
                try:
                    queries = variant.get_backend().convert_rule(fresh)
                except SigmaError as error:
                    skipped.append(
                        Skip(rel, rule_id, f"convert ({variant.name}): " + first_line(error))
                    )
                    break
                except Exception as error:  # noqa: BLE001 - a backend bug must not stop the run
                    skipped.append(
                        Skip(rel, rule_id, f"convert crash ({variant.name}): " + first_line(error))
                    )
                    break
                converted = True
                for query in queries:
                    stats["queries"] += 1
                    try:
                        for rel_file, index in execute(table, variant.get_backend(), fresh, query):
                            matches.add((rule_id, rel_file, index))
                    except sqlite3.Error as error:
                        skipped.append(
                            Skip(rel, rule_id, f"sqlite ({variant.name}): " + first_line(error))
                        )
            if converted:
                stats["converted"] += 1
    return matches, skipped, stats


PREFIX = f"SELECT * FROM {TABLE} WHERE "


def execute(table: EventTable, backend: OracleBackend, rule: SigmaRule, query: str):
    if not query.startswith(PREFIX):
        raise sqlite3.OperationalError(f"unexpected query shape: {query[:80]}")
    # A rule naming a field no event carries reads that field as absent (NULL).
    for name in backend.required_fields(rule):
        if name.lower() not in table.columns:
            table.connection.execute(
                f"ALTER TABLE {TABLE} ADD COLUMN {quote(name)} TEXT COLLATE NOCASE"
            )
            table.columns.add(name.lower())
    sql = f"SELECT {quote(FILE_COL)}, {quote(INDEX_COL)} FROM {TABLE} WHERE " + query[len(PREFIX):]
    return table.connection.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules_dir", type=Path)
    parser.add_argument("events_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--skipped", type=Path, help="default: OUT with .skipped.tsv")
    parser.add_argument("--mapping", type=Path, help="logsource-mapping.yml")
    args = parser.parse_args(argv)

    mapping_path = args.mapping or args.rules_dir.parent / "logsource" / "logsource-mapping.yml"
    skipped_path = args.skipped or args.out.with_name(args.out.stem + ".skipped.tsv")
    for what, path in (("rules", args.rules_dir), ("events", args.events_dir)):
        if not path.is_dir():
            print(f"pysigma_matches: {what} directory not found: {path}", file=sys.stderr)
            return 2
    if not mapping_path.is_file():
        print(f"pysigma_matches: logsource mapping not found: {mapping_path}", file=sys.stderr)
        return 2

    started = time.monotonic()
    table = load_events(args.events_dir)
    mapping = LogsourceMap(mapping_path)
    matches, skipped, stats = run_rules(args.rules_dir, mapping, table)

    with args.out.open("w", encoding="utf-8") as out:
        out.write("rule_id\tevent_file\tevent_index\n")
        for rule_id, rel, index in sorted(matches):
            out.write(f"{rule_id}\t{rel}\t{index}\n")
    with skipped_path.open("w", encoding="utf-8") as out:
        out.write("rule_path\trule_id\treason\n")
        for skip in skipped:
            reason = skip.reason.replace("\t", " ").replace("\n", " ")
            out.write(f"{skip.path}\t{skip.rule_id}\t{reason}\n")
    for pattern, error in sorted(REGEX_ERRORS.items()):
        print(f"pysigma_matches: regex not usable by Python re: {pattern!r}: {error}", file=sys.stderr)

    kinds: dict[str, int] = {}
    for skip in skipped:
        kind = skip.reason.split(":")[0].split(" ")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(
        f"pysigma_matches: {stats['files']} rule files, {stats['rules']} rules, "
        f"{stats['converted']} converted ({stats['queries']} queries), "
        f"{len(skipped)} skipped {dict(sorted(kinds.items()))}; "
        f"{table.count} events in {table.files} files; {len(matches)} matching pairs; "
        f"{time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
