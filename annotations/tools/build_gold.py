"""Assemble annotations/gold.jsonl from the hand-written drafts.

For each article: the adjudicated draft (drafts/ADJ) when the article was double
annotated, else its single annotator's draft. Canonical keys are then mapped to corpus-wide
keys with annotations/key_map.jsonl (written by reading the names; see README). No
pipeline output is read.

Usage: python annotations/tools/build_gold.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from draft_to_gold import convert  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DRAFTS = ROOT / "annotations" / "drafts"
PROGRAMME_KINDS = {"campaign", "plan", "policy", "law", "agreement", "strategy", "platform", "project", "designation", None}
SINGLE = ["A1", "A2", "A3", "A4", "A5", "A6"]   # first annotators of the legacy articles; composed
# families name theirs in the manifest (`annotator`, one composer-annotator per family, issue 23)


def key_map() -> dict[tuple[str, str], str]:
    path = ROOT / "annotations" / "key_map.jsonl"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith('{"_meta"'):
            row = json.loads(line)
            out[(row["type"], row["key"])] = row["canonical"]
    return out


def main() -> int:
    manifest = [json.loads(l) for l in (ROOT / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    kmap = key_map()
    out, problems = [], []
    dropped_kinds = 0
    for meta in manifest:
        doc_id = meta["doc_id"]
        draft_path = DRAFTS / "ADJ" / f"{doc_id}.json"
        if not draft_path.exists():
            firsts = [meta["annotator"]] if meta.get("annotator") else SINGLE
            found = [DRAFTS / a / f"{doc_id}.json" for a in firsts if (DRAFTS / a / f"{doc_id}.json").exists()]
            if not found:
                continue
            draft_path = found[0]
        draft = json.loads(draft_path.read_text(encoding="utf-8"))
        raw = (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
        record, errors = convert(draft, raw)
        problems += [f"{draft_path}: {e}" for e in errors]
        if draft.get("guide") != "1.2":
            record["published"] = meta.get("published")   # v1.1 drafts: the manifest date; v1.2: the date the text states
        record["annotator"] = draft_path.parent.name
        for m in record["mentions"]:
            if m["type"] == "PROGRAMME" and m.get("kind") not in PROGRAMME_KINDS:
                m.pop("kind", None)      # kind is optional; a word outside the guide's list says nothing
                dropped_kinds += 1
            if "canonical" in m:
                m["canonical"] = kmap.get((m["type"], m["canonical"]), m["canonical"])
            m.pop("note", None)
        out.append(record)
    (ROOT / "annotations" / "gold.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    for p in problems:
        print(p, file=sys.stderr)
    if dropped_kinds:
        print(f"{dropped_kinds} PROGRAMME kinds outside the guide's list dropped (kind is optional)")
    print(f"gold.jsonl: {len(out)} articles, {sum(len(r['mentions']) for r in out)} mentions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
