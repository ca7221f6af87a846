"""Turn a hand-written annotation draft into a gold record with character offsets.

Annotators write what they read, line by line; this tool only locates each written
mention in the raw text (it never proposes mentions). Draft format (JSON, one file
per article, ``annotations/drafts/<annotator>/<doc_id>.json``)::

    {"doc_id": "...", "annotator": "A", "published": "2024-09",
     "lines": [{"line": 0, "kind": "caption"}, ...],          # 0-based index into raw.split("\n"); body lines omitted
     "mentions": [{"line": 7, "type": "QUANTITY", "text": "38 μg/m3", "nth": 0,
                   "value": 38, "unit": "ug/m3", "per": null, "bound": "=", "change": null, "item": null}, ...],
     # guide v1.2 article fields (optional in v1.1 drafts); each {"line", "text", "nth"?} or null
     "published_basis": "dateline", "published_stated": true,
     "fields": {"title": {"line": 0, "text": "..."}, "byline": null, "source": null, "dateline_place": null}}

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
    "QUANTITY": ["value", "unit", "per", "bound", "change", "item"],
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


FIELDS = ("title", "byline", "source", "dateline_place")  # article fields, guide v1.2


def locate(raw: str, spans: list[tuple[int, int]], idx: int | None, text: str, nth: int) -> int | None:
    """Offset of the nth occurrence of text inside line idx, or None."""
    if idx is None or not 0 <= idx < len(spans) or not text:
        return None
    lstart, lend = spans[idx]
    pos = -1
    for _ in range(nth + 1):
        pos = raw[lstart:lend].find(text, pos + 1)
        if pos < 0:
            return None
    return lstart + pos


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
        start = locate(raw, spans, idx, text, nth)
        if start is None:
            line_text = raw[spans[idx][0]:spans[idx][1]] if isinstance(idx, int) and 0 <= idx < len(spans) else ""
            errors.append(f"mention {text!r} (nth={nth}) not found in line {idx}: {line_text[:80]!r}...")
            continue
        out = {"type": m["type"], "start": start, "end": start + len(text), "text": text}
        for key in ATTRS.get(m["type"], []):
            if key in m:
                out[key] = m[key]
        if "note" in m:
            out["note"] = m["note"]
        assert raw[out["start"]:out["end"]] == text
        mentions.append(out)
    mentions.sort(key=lambda x: (x["start"], x["end"]))
    fields = {}
    for name, entry in (draft.get("fields") or {}).items():
        if name not in FIELDS:
            errors.append(f"unknown article field {name!r} (expected one of {FIELDS})")
            continue
        if entry is None:
            fields[name] = None
            continue
        located = locate(raw, spans, entry.get("line"), entry.get("text", ""), entry.get("nth", 0))
        if located is None:
            errors.append(f"field {name} {entry.get('text')!r} not found in line {entry.get('line')}")
            continue
        fields[name] = {"text": entry["text"], "start": located, "end": located + len(entry["text"])}
    lines.sort(key=lambda x: x["start"])
    record = {"doc_id": draft["doc_id"], "published": draft.get("published"),
              "lines": lines, "mentions": mentions}
    for key in ("published_basis", "published_stated"):
        if key in draft:
            record[key] = draft[key]
    if "fields" in draft:
        for name in FIELDS:
            record[name] = fields.get(name)
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
