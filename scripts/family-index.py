#!/usr/bin/env python3
"""Prints the device-family table for docs/parsers.md from crates/devices/families/*.toml.

Usage: scripts/family-index.py   (run from the repository root; paste the output into
docs/parsers.md between the FAMILIES markers, or let --write do it).
"""
import pathlib
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
rows = []
for path in sorted((root / "crates/devices/families").glob("*.toml")):
    with path.open("rb") as f:
        fam = tomllib.load(f)
    rows.append(
        f"| [`{fam['name']}`](parsers/{fam['name']}.md) | {fam['vendor']} | {fam['product']} "
        f"| `{fam['dataset']}` | {fam['category']} | {fam.get('samples', 'documented')} |"
    )
table = "\n".join(
    ["| family | vendor | product | dataset | kind | samples |", "|---|---|---|---|---|---|"] + rows
)
if "--write" in sys.argv:
    doc = root / "docs/parsers.md"
    text = doc.read_text()
    start, end = "<!-- FAMILIES -->", "<!-- /FAMILIES -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{table}\n{end}{tail}")
    print(f"{len(rows)} families written to {doc}")
else:
    print(table)
