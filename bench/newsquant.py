"""Quantities stage on the NewsQuant dev set (../shared/benchmarks/newsquant/dev.jsonl).

Scores, per the task: overlap F1 (predicted span overlaps the gold span), value F1
(overlap-matched and value within 0.1 %; a gold range [low, high] matches either end),
value+unit F1 (value and unit; our canonical units map to CQE names through
bench/newsquant_units.json; a count matches when the CQE unit is a noun and our item
contains it). NewsQuant counts time spans ("three years") as quantities while our guide
makes them DATE durations, so numeric DURATION mentions are scored as quantities with
their TIMEX unit. Gold quantities without offsets (8 in dev) can only be recalled by value.

Two more convention mappings, both applied to our output before scoring, never to the gold:
- NewsQuant annotates a range or a from-to pair ("15 to 22 miles per hour", "from 4.8 percent
  to 4.7 percent") as ONE quantity with value [low, high]; our guide makes it two mentions.
  Two consecutive mentions our stage tagged as the two ends of one range or level pair (rule
  tags ``+range`` / ``+levels``, joined only by to/and/-/–) are merged into one prediction
  spanning both, carrying both values. A change and the level it reaches ("rose 8.15% to 3.65")
  are two quantities in both conventions and are not merged.
- CQE names some counted nouns as units ("58.06 points" → point, "517 rushing yards" → yard);
  our guide gives such counts no unit and an ``item``. A count with no unit whose item ends in
  the CQE unit word (singular or plural) counts as the same unit.

Honesty (issue 23): the quantity rules were tuned on this dev set, so the all-dev figures are
tuning figures. A random third of the sentences (bench/newsquant_heldout.json, drawn before
any further quantity work) is held back: reported as ``heldout``, its errors never printed.

Rates (guide v1.2, issue 21 item 4): our unit + per is CQE's compound unit, both names from
bench/newsquant_units.json ("USD" per "barrel" = "dollar per barrel"); a rate on one side only is a
unit error. Minor units: our "50 cents" is 0.5 USD (guide v1.2), CQE's is 50 cent: read back ×100
against a CQE minor unit (``minor_view``). ``--lenient-rates`` gives the earlier reading (the amount's unit alone) for comparison.

Usage: python bench/newsquant.py [--errors] [--without-range-item-mappings] [--lenient-rates]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "benchmarks" / "newsquant" / "dev.jsonl"
if not DATA.exists():
    DATA = Path("/work/shared/benchmarks/newsquant/dev.jsonl")
UNIT_MAP = {k: v for k, v in json.loads((REPO / "bench" / "newsquant_units.json").read_text()).items() if k != "_meta"}
SPELLED = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty|hundred"
DUR_UNITS = {"Y": "a", "M": "mo", "W": "wk", "D": "d", "H": "h"}   # not "W" (watt) or "M"


def predictions(nlp, text: str) -> list[dict]:
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    rec = to_record(nlp(make_doc(nlp, text, {"doc_id": "nq", "published": None})))
    out = []
    for m in rec["mentions"]:
        if m["type"] == "QUANTITY":
            out.append(m)
        elif m["type"] == "DATE" and m["timex_type"] == "DURATION" and not re.match(r"(?i)(a|an)\s", m["text"]) \
                and (not re.match(r"(?i)the\s", m["text"]) or re.search(rf"\d|\b(?:{SPELLED})\b", m["text"], re.I)):
            dm = re.fullmatch(r"P(T?)(\d+(?:\.\d+)?)([YMWDH])", m["value"])
            if dm:
                unit = "min" if dm.group(1) and dm.group(3) == "M" else DUR_UNITS[dm.group(3)]
                out.append({**m, "value": float(dm.group(2)), "unit": unit, "item": None})
    return merge_range_pairs(out, text) if MAPPINGS["range"] else out


MAPPINGS = {"range": True, "item_unit": True, "rate": True, "minor": True}   # --without-range-item-mappings turns the first two off;
# --lenient-rates scores as before issue 21 item 4 (a rate by its amount's unit alone, per ignored; no minor-unit reading)

PAIR_JOINER = re.compile(r"\s*(?:to|and|-|–|—|~|/)\s*", re.I)


def merge_range_pairs(preds: list[dict], text: str) -> list[dict]:
    """Our two range/level ends → one NewsQuant quantity (see the module doc)."""
    out: list[dict] = []
    i = 0
    while i < len(preds):
        a = preds[i]
        b = preds[i + 1] if i + 1 < len(preds) else None
        # (a change and the level it reaches, "rose 8.15% to 3.65", stay two quantities there too)
        pair = b is not None and a["type"] == b["type"] == "QUANTITY" and a.get("change") is None and any(
            t in (a.get("rule") or "") and t in (b.get("rule") or "") for t in ("+range", "+levels"))
        # "40 to 50 hours", "one to two years": a DURATION range whose first end our dates stage reads alone
        pair = pair or (b is not None and a.get("rule") == b.get("rule") == "dur_range_units")
        if pair and PAIR_JOINER.fullmatch(text[a["end"]:b["start"]]):
            out.append({**a, "end": b["end"], "text": text[a["start"]:b["end"]], "values": [a["value"], b["value"]],
                        "unit": a.get("unit") or b.get("unit"), "item": a.get("item") or b.get("item")})
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def value_ok(gold, pred) -> bool:
    if pred is None:
        return False
    values = gold if isinstance(gold, list) else [gold]
    return any(v is not None and math.isclose(float(v), float(pred), rel_tol=1e-3, abs_tol=1e-9) for v in values)


def pred_value_ok(gold, p: dict) -> bool:
    """A merged range matches a gold range by both ends, a single gold value by either end."""
    if "values" in p:
        if isinstance(gold, list):
            return all(value_ok(g, v) for g, v in zip(gold, p["values"]))
        return any(value_ok(gold, v) for v in p["values"])
    return value_ok(gold, p["value"])


def unit_ok(g: dict, p: dict) -> bool:
    gu = g.get("unit")
    if gu is None:
        return p.get("unit") is None
    if g.get("unit_kind") == "noun":
        item = (p.get("item") or "").lower()
        head = gu.lower().split()[-1]
        return p.get("unit") is None and (head[:5] in item or not item)
    if MAPPINGS["item_unit"] and p.get("unit") is None and p.get("item"):
        word = gu.lower().split()[-1]
        if {word, word + "s", word + "es"} & set(p["item"].lower().split()):
            return True                     # "58.06 points" (item points) = CQE unit "point"
    return gu.lower() in unit_names(p)


def unit_names(p: dict) -> set[str]:
    """CQE names of our (unit, per): a rate is CQE's compound unit ("USD" per "barrel" ↔ "dollar per
    barrel", "%" per "a" ↔ "percentage per year"), a notation equivalence built from the same table
    (issue 21 item 4). With MAPPINGS["rate"] off, the pre-v1.2 lenient reading: the amount's unit
    alone matches a CQE rate ("dollar per month" ~ USD), whatever our per."""
    names = set(UNIT_MAP.get(p.get("unit") or "", []))
    per = p.get("per")
    if not MAPPINGS["rate"]:
        return names | {f"{n} per {x}" for n in names for x in ("year", "day", "month", "week", "hour", "share", "barrel", "capita",
                                                                   "person", "tonne", "ton", "gallon", "pound", "kilowatt hour")}
    if not per:
        return names
    per_names = set(UNIT_MAP.get(per, [])) or {per}
    return {f"{n} per {x}" for n in names for x in per_names}


MINOR_NAMES = {"cent", "united states cent", "penny", "pence"}


def minor_view(g: dict, p: dict) -> dict:
    """Guide v1.2 converts minor units ("50 cents" → 0.5 USD, "200p" → 2 GBP); CQE keeps the minor
    unit (50 cent). The same amount in two notations: against a CQE minor unit, our converted value
    is read back ×100 in the minor unit (USc / GBp of bench/newsquant_units.json)."""
    if MAPPINGS["minor"] and (g.get("unit") or "").lower() in MINOR_NAMES and "+minor" in (p.get("rule") or "") and p.get("value") is not None:
        minor = "GBp" if p.get("unit") == "GBP" else "USc"
        return {**p, "value": p["value"] * 100, "unit": minor, **({"values": [v * 100 for v in p["values"]]} if "values" in p else {})}
    return p


def prf(tp, n_pred, n_gold):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score(nlp, rows: list[dict], show_errors: bool) -> dict:
    """Overlap, value and value+unit P/R/F1 over ``rows``; errors printed only when asked (never for held-out rows)."""
    n_gold = n_pred = tp_overlap = tp_value = tp_vu = 0
    for row in rows:
        gold = row["quantities"]
        pred = predictions(nlp, row["text"])
        n_gold += len(gold)
        n_pred += len(pred)
        used = set()
        for g in gold:
            best = None
            for i, p in enumerate(pred):
                if i in used:
                    continue
                if g["start"] is not None:
                    ov = min(g["end"], p["end"]) - max(g["start"], p["start"])
                    if ov > 0 and (best is None or ov > best[0] or (pred_value_ok(g["value"], p) and not pred_value_ok(g["value"], pred[best[1]]))):
                        best = (ov, i)
                elif pred_value_ok(g["value"], p):
                    best = (1, i)
            if best is None:
                if show_errors:
                    print("MISS", repr(g["text"]), g["value"], g["unit"], "|", row["text"][:100])
                continue
            p = pred[best[1]]
            used.add(best[1])
            p = minor_view(g, p)
            tp_overlap += 1
            if pred_value_ok(g["value"], p):
                tp_value += 1
                if unit_ok(g, p):
                    tp_vu += 1
                elif show_errors:
                    print("UNIT", repr(g["text"]), g["unit"], "vs", p.get("unit"), "per", p.get("per"), p.get("item"))
            elif show_errors:
                print("VALUE", repr(g["text"]), g["value"], "vs", p["value"], repr(p["text"]))
        if show_errors:
            for i, p in enumerate(pred):
                if i not in used:
                    print("FA  ", repr(p["text"]), p.get("rule"), "|", row["text"][:100])
    return {"sentences": len(rows), "gold": n_gold, "pred": n_pred, "overlap": prf(tp_overlap, n_pred, n_gold),
            "value": prf(tp_value, n_pred, n_gold), "value_unit": prf(tp_vu, n_pred, n_gold)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="print misses and false alarms")
    ap.add_argument("--without-range-item-mappings", action="store_true",
                    help="score without merging range ends and without the counted-item-as-unit mapping "
                         "(shows what the stage alone gives; results are not saved)")
    ap.add_argument("--lenient-rates", action="store_true",
                    help="score a rate by its amount's unit alone, as before the compound-unit mapping (results are not saved)")
    args = ap.parse_args()
    if args.lenient_rates:
        MAPPINGS.update(rate=False, minor=False)
    if args.without_range_item_mappings:
        MAPPINGS.update(range=False, item_unit=False)
    from pipeline.nlp import build

    nlp = build()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    heldout = set(json.loads((REPO / "bench" / "newsquant_heldout.json").read_text())["heldout"])
    t0 = time.perf_counter()
    parts = {"all": rows, "tuning": [r for r in rows if r["id"] not in heldout],
             "heldout": [r for r in rows if r["id"] in heldout]}
    scores = {name: score(nlp, part, args.errors and name == "tuning") for name, part in parts.items()}
    seconds = time.perf_counter() - t0
    result = {**scores["all"], "tuning": scores["tuning"], "heldout": scores["heldout"], "seconds": round(seconds, 2),
              "reference": {"CQE value+unit F1 (full NewsQuant, published)": 85.6, "quantulum3": 47.2}}
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    if not args.without_range_item_mappings and not args.lenient_rates:
        (REPO / "bench" / "results" / "newsquant_dev.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
