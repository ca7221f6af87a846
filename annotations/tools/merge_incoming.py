"""Append finished composed articles to the corpus manifest and keep the family split current.

An article is merged when its text (corpus/<doc_id>.txt), its manifest line in
annotations/incoming/manifest_<HELPER>.jsonl and its annotation draft
(annotations/drafts/<HELPER>/<doc_id>.json) all exist. corpus/manifest.jsonl is append-only:
existing lines keep their order and content, except that lines written before issue 23 gain
`family` and `jurisdiction` (from annotations/families.json). annotations/splits.json lists
whole families per split (`families`) and the articles that follow from them.

Usage: python annotations/tools/merge_incoming.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "corpus" / "manifest.jsonl"
INCOMING = ROOT / "annotations" / "incoming"
DRAFTS = ROOT / "annotations" / "drafts"
FAMILIES = ROOT / "annotations" / "families.json"
SPLITS = ROOT / "annotations" / "splits.json"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    families = json.loads(FAMILIES.read_text(encoding="utf-8"))
    legacy = families["legacy_articles"]          # doc_id -> [family, jurisdiction] for pre-issue-23 articles
    rows = read_jsonl(MANIFEST)
    for row in rows:
        if row["doc_id"] in legacy and "family" not in row:
            row["family"], row["jurisdiction"] = legacy[row["doc_id"]]
    known = {r["doc_id"] for r in rows}
    added, waiting = 0, []
    for frag in sorted(INCOMING.glob("manifest_*.jsonl")):
        helper = frag.stem.removeprefix("manifest_")
        for meta in read_jsonl(frag):
            doc_id = meta["doc_id"]
            if doc_id in known:
                continue
            if not (ROOT / "corpus" / meta["file"]).exists() or not (DRAFTS / helper / f"{doc_id}.json").exists():
                waiting.append(doc_id)
                continue
            meta["annotator"] = helper
            rows.append(meta)
            known.add(doc_id)
            added += 1
    MANIFEST.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    splits = json.loads(SPLITS.read_text(encoding="utf-8"))
    family_split = {f: s for s, fams in families["split"].items() for f in fams}
    splits["families"] = families["split"]          # the family lists follow families.json (families added later too)
    for s in ("train", "dev", "test"):
        splits[s] = [r["doc_id"] for r in rows
                     if (r["doc_id"] in legacy and r["doc_id"] in splits.get("legacy_" + s, []))
                     or family_split.get(r.get("family")) == s and r["doc_id"] not in legacy]
    SPLITS.write_text(json.dumps(splits, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    unknown = sorted({r.get("family") for r in rows if r["doc_id"] not in legacy and r.get("family") not in family_split})
    print(f"manifest: {len(rows)} articles ({added} added, {len(waiting)} waiting for text/draft); "
          f"split train {len(splits['train'])} / dev {len(splits['dev'])} / test {len(splits['test'])}")
    if unknown:
        print(f"families with no split: {unknown}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
