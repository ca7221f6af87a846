"""Turn a hand-written annotation draft into a gold record with character offsets.

Annotators write what they read, line by line; this tool only locates each written
mention in the raw text (it never proposes mentions). Draft format (JSON, one file
per article, ``annotations/drafts/<annotator>/<doc_id>.json``)::

    {"doc_id": "...", "annotator": "A", "published": "2024-09",
     "lines": [{"line": 0, "kind": "caption"}, ...],          # 0-based index into raw.split("\n"); body lines omitted
     "mentions": [{"line": 7, "type": "QUANTITY", "text": "38 μg/m3", "nth": 0,
                   "value": 38, "unit": "ug/m3", "bound": "=", "change": null, "item": null}, ...]}

``nth`` (optional, default 0) picks the n-th occurrence of ``text`` inside that line.
Usage: python annotations/tools/draft_to_gold.py DRAFT.json [--corpus corpus] [--out OUT.json]
Exit status 1 and a message per problem when a mention cannot be located.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ATTRS = {
    "QUANTITY": ["value", "unit", "bound", "change", "item"],
    "DATE": ["timex_type", "value"],
    "AGENCY": ["canonical"],
    "PROGRAMME": ["canonical", "kind"],
}


def line_offsets(raw: str) -> list[tuple[int, int]]:
    """Start/end offsets of every newline-delimited line (end excludes the newline)."""
    spans, pos = [], 0
    for line in raw.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def convert(draft: dict, raw: str) -> tuple[dict, list[str]]:
    errors: list[str] = []
    spans = line_offsets(raw)
    lines = []
    for entry in draft.get("lines", []):
        idx = entry["line"]
        if not 0 <= idx < len(spans):
            errors.append(f"line {idx} out of range (0..{len(spans) - 1})")
            continue
        start, end = spans[idx]
        lines.append({"start": start, "end": end, "kind": entry["kind"]})
    mentions = []
    for m in draft.get("mentions", []):
        idx, text, nth = m.get("line"), m.get("text", ""), m.get("nth", 0)
        if idx is None or not 0 <= idx < len(spans):
            errors.append(f"mention {text!r}: bad line {idx}")
            continue
        lstart, lend = spans[idx]
        line_text = raw[lstart:lend]
        pos = -1
        for _ in range(nth + 1):
            pos = line_text.find(text, pos + 1)
            if pos < 0:
                break
        if pos < 0 or not text:
            errors.append(f"mention {text!r} (nth={nth}) not found in line {idx}: {line_text[:80]!r}...")
            continue
        start = lstart + pos
        out = {"type": m["type"], "start": start, "end": start + len(text), "text": text}
        for key in ATTRS.get(m["type"], []):
            if key in m:
                out[key] = m[key]
        if "note" in m:
            out["note"] = m["note"]
        assert raw[out["start"]:out["end"]] == text
        mentions.append(out)
    mentions.sort(key=lambda x: (x["start"], x["end"]))
    lines.sort(key=lambda x: x["start"])
    record = {"doc_id": draft["doc_id"], "published": draft.get("published"),
              "lines": lines, "mentions": mentions}
    if "annotator" in draft:
        record["annotator"] = draft["annotator"]
    return record, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("draft", type=Path)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "corpus")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    draft = json.loads(args.draft.read_text(encoding="utf-8"))
    raw = (args.corpus / f"{draft['doc_id']}.txt").read_text(encoding="utf-8")
    record, errors = convert(draft, raw)
    for e in errors:
        print(f"{args.draft}: {e}", file=sys.stderr)
    by_type: dict[str, int] = {}
    for m in record["mentions"]:
        by_type[m["type"]] = by_type.get(m["type"], 0) + 1
    print(f"{args.draft}: {len(record['lines'])} non-body lines, mentions {by_type}, {len(errors)} errors")
    if args.out:
        args.out.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
