"""Dates stage on TempEval-3 TBAQ (../shared/benchmarks/tempeval3/train.jsonl), each document
anchored to its DCT, scored with the TempEval-3 definitions:

- strict span P/R/F1 (identical offsets), relaxed span P/R/F1 (any overlap, one-to-one);
- type F1 and value F1 = (matched-attribute pairs / relaxed-matched pairs) × relaxed F1.

Reference on the TempEval-3 Platinum test set: HeidelTime value F1 about 78, SUTime about 67.
The texts are news wire without page chrome, so every line is scored (segmentation still runs).

A diagnostic (not a TempEval-3 metric) splits the value errors by kind, to show how much
of the gap is annotation convention rather than a wrong date: ``granularity`` (the same date
at another granularity: gold ``1988-Q3`` for "a year ago" in a quarterly report vs ``1988``,
gold ``1989-WXX`` for "last week" vs ``1989-W43``, gold ``1968-XX`` vs ``1968``), ``ref``
(gold PAST_REF/PRESENT_REF/FUTURE_REF vs a duration or a date, or the reverse), and ``other``;
``value_f1_granularity_lenient`` scores the first kind as agreeing.

Rule discipline (issue 25): the documents are split into two fixed halves (sorted by doc_id,
alternating: ``A`` = even positions, ``B`` = odd). Rules are written from the errors of half A
(``--errors N --half A`` prints only those) and a rule is accepted only if value F1 on half B,
which it was not written from, improves. Both halves are reported (``halves``).

Usage: python bench/tempeval.py [--errors N] [--half A|B]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "benchmarks" / "tempeval3" / "train.jsonl"
if not DATA.exists():
    DATA = Path("/work/shared/benchmarks/tempeval3/train.jsonl")


def prf(tp, n_pred, n_gold):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


REFS = ("PAST_REF", "PRESENT_REF", "FUTURE_REF")


def error_kind(gold: str, pred: str) -> str:
    """granularity / ref / other (see the module doc)."""
    def core(v: str) -> str:
        for tail in ("-WXX", "-XX-XX", "-XX"):
            v = v.replace(tail, "")
        return v
    g, p = core(gold), core(pred)
    if g == p or g.startswith(p + "-") or p.startswith(g + "-"):
        return "granularity"
    if gold in REFS or pred in REFS:
        return "ref"
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", type=int, default=0, help="print this many value/span errors")
    ap.add_argument("--half", choices=["A", "B"], help="print errors of this half only (write rules from A)")
    args = ap.parse_args()
    from pipeline.evaluation.evaluate import match_overlap
    from pipeline.execution.isolation import run_stages
    from pipeline.nlp import build, make_doc
    from pipeline.io.writer import to_record

    nlp = build()
    docs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    half_of = {d: "AB"[i % 2] for i, d in enumerate(sorted(doc["doc_id"] for doc in docs))}
    halves = {h: {"gold": 0, "pred": 0, "relaxed": 0, "value_ok": 0} for h in "AB"}
    n_gold = n_pred = strict = relaxed = type_ok = value_ok = words = 0
    errors = []
    kinds: dict[str, int] = {}
    t0 = time.perf_counter()
    for d in docs:
        doc = make_doc(nlp, d["text"], {"doc_id": d["doc_id"], "published": d["dct"]})
        failed = run_stages(nlp, doc)       # a later stage failing (another stage's work in progress) leaves dates intact
        if any(e.stage == "dates" for e in failed):
            raise RuntimeError(f"dates stage failed on {d['doc_id']}: {failed}")
        rec = to_record(doc)
        words += len(d["text"].split())
        gold = [{"type": "DATE", "start": t["start"], "end": t["end"], "text": t["text"], "timex_type": t["type"], "value": t["value"]} for t in d["timexes"]]
        pred = [m for m in rec["mentions"] if m["type"] == "DATE"]
        n_gold += len(gold)
        n_pred += len(pred)
        strict += len({(g["start"], g["end"]) for g in gold} & {(p["start"], p["end"]) for p in pred})
        pairs = match_overlap(gold, pred)
        relaxed += len(pairs)
        hv = halves[half_of[d["doc_id"]]]
        hv["gold"] += len(gold)
        hv["pred"] += len(pred)
        hv["relaxed"] += len(pairs)
        hv["value_ok"] += sum(g["value"] == p["value"] for g, p in pairs)
        show = args.half is None or half_of[d["doc_id"]] == args.half
        for g, p in pairs:
            type_ok += g["timex_type"] == p["timex_type"]
            value_ok += g["value"] == p["value"]
            if g["value"] != p["value"]:
                kind = error_kind(str(g["value"]), str(p["value"]))
                kinds[kind] = kinds.get(kind, 0) + 1
            if g["value"] != p["value"] and len(errors) < args.errors and show:
                errors.append(f"VALUE {g['text']!r} gold {g['value']} pred {p['value']} ({p['rule']}) dct {d['dct']}")
        if len(errors) < args.errors and show:
            matched_g = {id(g) for g, _ in pairs}
            matched_p = {id(p) for _, p in pairs}
            errors += [f"MISS  {g['text']!r} {g['timex_type']} {g['value']}" for g in gold if id(g) not in matched_g][:3]
            errors += [f"FA    {p['text']!r} {p['value']} ({p['rule']})" for p in pred if id(p) not in matched_p][:3]
    seconds = time.perf_counter() - t0
    sp, sr, sf = prf(strict, n_pred, n_gold)
    rp, rr, rf = prf(relaxed, n_pred, n_gold)
    result = {"documents": len(docs), "gold": n_gold, "pred": n_pred,
              "strict": {"p": round(sp, 4), "r": round(sr, 4), "f1": round(sf, 4)},
              "relaxed": {"p": round(rp, 4), "r": round(rr, 4), "f1": round(rf, 4)},
              "type_f1": round(type_ok / relaxed * rf, 4) if relaxed else 0.0,
              "value_f1": round(value_ok / relaxed * rf, 4) if relaxed else 0.0,
              "diagnostic_value_errors_by_kind": kinds,
              "value_f1_granularity_lenient": round((value_ok + kinds.get("granularity", 0)) / relaxed * rf, 4) if relaxed else 0.0,
              "halves": {h: {"documents": sum(1 for v in half_of.values() if v == h),
                             "value_f1": round(hv["value_ok"] / hv["relaxed"] * prf(hv["relaxed"], hv["pred"], hv["gold"])[2], 4) if hv["relaxed"] else 0.0,
                             "relaxed_f1": round(prf(hv["relaxed"], hv["pred"], hv["gold"])[2], 4)}
                         for h, hv in halves.items()},
              "words": words, "seconds": round(seconds, 2),
              "reference_platinum_value_f1": {"HeidelTime": 78, "SUTime": 67}}
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    (REPO / "bench" / "results" / "tempeval3_train.json").write_text(json.dumps(result, indent=2))
    for e in errors[: args.errors]:
        print(e)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
