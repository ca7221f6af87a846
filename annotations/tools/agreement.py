"""Inter-annotator agreement on the double-annotated articles (before adjudication).

For each pair of independent drafts, one is scored against the other with the same scorer
as the pipeline (pipeline/evaluation/evaluate.py): overlap F1 per type is symmetric; attribute
agreement is measured on overlapping pairs; canonical grouping is pairwise F1 over matched
mentions. Canonical keys are compared after the corpus key map (annotations/key_map.jsonl),
since annotators spelled keys independently.

Usage: python annotations/tools/agreement.py [--json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_gold import key_map  # noqa: E402
from draft_to_gold import convert  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from pipeline.evaluation.evaluate import score  # noqa: E402

PAIRS = [("S1", "S2"), ("S3", "S4"), ("A1", "B1"), ("A2", "B1"), ("A3", "B1"), ("A4", "B2"), ("A5", "B2"), ("A6", "B2"),
         # issue 23: test-family articles, first annotator = the family's composer, second = an
         # independent annotator (R1, R2) who saw neither the first draft nor any pipeline output
         ("F1", "R1"), ("F3", "R2"), ("F4", "R2"), ("F5", "R1"), ("F6", "R1"), ("F7", "R1"), ("F7", "R2")]
FAMILY_ANNOTATORS = {"F1", "F2", "F3", "F4", "F5", "F6", "F7"}


def records(annotator: str, doc_ids: set[str], kmap) -> list[dict]:
    out = []
    for doc_id in sorted(doc_ids):
        draft = json.loads((ROOT / "annotations" / "drafts" / annotator / f"{doc_id}.json").read_text(encoding="utf-8"))
        raw = (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
        rec, _ = convert(draft, raw)
        for m in rec["mentions"]:
            if "canonical" in m:
                m["canonical"] = kmap.get((m["type"], m["canonical"]), m["canonical"])
        out.append(rec)
    return out


def main() -> int:
    kmap = key_map()
    first, second = [], []
    docs = []
    family_docs: set[str] = set()
    for a, b in PAIRS:
        da = {p.stem for p in (ROOT / "annotations" / "drafts" / a).glob("*.json") if p.stem != "keys"}
        db = {p.stem for p in (ROOT / "annotations" / "drafts" / b).glob("*.json") if p.stem != "keys"}
        common = da & db
        if a in FAMILY_ANNOTATORS:
            family_docs.update(common)
        docs += sorted(common)
        first += records(a, common, kmap)
        second += records(b, common, kmap)
    result = {"documents": docs}
    def in_set(doc_id: str, label: str) -> bool:
        return {"all": True, "seed": doc_id[:3].isdigit(), "families": doc_id in family_docs,
                "composed": not doc_id[:3].isdigit() and doc_id not in family_docs}[label]

    for label in ("all", "seed", "composed", "families"):
        keep = [i for i, r in enumerate(first) if in_set(r["doc_id"], label)]
        if not keep:
            continue
        result[label] = score([first[i] for i in keep], [second[i] for i in keep])
    if "--json" in sys.argv:
        print(json.dumps(result, indent=1))
        return 0
    print(f"double-annotated articles: {len(docs)}")
    print("| set | type | mentions A/B | exact F1 | overlap F1 | attribute agreement | grouping F1 |")
    print("|---|---|---|---|---|---|---|")
    for label in [k for k in ("all", "seed", "composed", "families") if k in result]:
        for t, e in result[label]["types"].items():
            attrs = e.get("attribute_accuracy") or {}
            attr = ", ".join(f"{k} {v:.3f}" for k, v in attrs.items() if v is not None) or "-"
            group = e.get("grouping", {}).get("f1", "-")
            print(f"| {label} | {t} | {e['gold']}/{e['pred']} | {e['exact']['f1']:.3f} | {e['overlap']['f1']:.3f} | {attr} | {group} |")
        print(f"| {label} | lines | {result[label]['lines']['lines']} | | | kind agreement {result[label]['lines']['accuracy']} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
