"""Scoring of predicted records against gold, as ANNOTATION_GUIDE.md "Scoring" defines it.

Per mention type: exact-span and overlap-span P/R/F1; on overlap-matched pairs, attribute
accuracy (QUANTITY value within 0.1 % relative, unit, bound, change; DATE timex_type and
value); an attribute-aware F1 (value+unit for QUANTITY, value for DATE); AGENCY and
PROGRAMME canonical grouping as pairwise F1 over matched mentions; line-kind accuracy
over every line of the raw text. Seeds (scraped) and composed articles are reported
separately as well as together.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable
from pipeline.paths import REPO_DIR

REPO = REPO_DIR
TYPES = ("QUANTITY", "DATE", "AGENCY", "PROGRAMME")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: malformed JSON ({exc.msg})") from exc
    return records


def load_splits(path: Path | None = None) -> dict[str, list[str]]:
    return json.loads((path or REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))


def select_split(records: list[dict[str, Any]], split: str | None) -> list[dict[str, Any]]:
    if not split or split == "all":
        return records
    splits = load_splits()
    if split not in splits:
        raise ValueError(f"unknown split {split!r} (have {sorted(k for k in splits if not k.startswith('_'))})")
    wanted = set(splits[split])
    return [r for r in records if r["doc_id"] in wanted]


class NothingToScore(ValueError):
    """Gold and predictions share no article."""


def shared_articles(gold_recs: list[dict[str, Any]], pred_recs: list[dict[str, Any]], gold_name: str, pred_name: str,
                    missing_as_empty: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """The gold records to score and a warning (None when gold and predictions cover the same articles).

    No shared doc_id raises :class:`NothingToScore` naming both files. Otherwise only the gold
    articles that have a prediction are scored, unless ``missing_as_empty`` (then an absent
    prediction counts as an empty one: every gold mention a miss)."""
    pred_ids = {r.get("doc_id") for r in pred_recs}
    gold_ids = [r.get("doc_id") for r in gold_recs]
    shared = [d for d in gold_ids if d in pred_ids]
    if not shared:
        raise NothingToScore(f"{gold_name} ({len(gold_ids)} gold articles) and {pred_name} ({len(pred_ids)} predicted "
                             "articles) share no doc_id: nothing to score (wrong file, or a different --split?)")
    missing = len(gold_ids) - len(shared)
    extra = len(pred_ids - set(gold_ids))
    if not missing and not extra:
        return gold_recs, None
    parts = [f"{len(shared)} of {len(gold_ids)} gold articles have a prediction in {pred_name}"]
    if extra:
        parts.append(f"{extra} predicted article(s) have no gold and are ignored")
    if missing:
        parts.append(f"the {missing} without one count as empty predictions (--missing-as-empty)" if missing_as_empty
                     else f"scoring the {len(shared)} shared articles only (--missing-as-empty counts the {missing} others as empty)")
    warning = "warning: " + "; ".join(parts)
    if missing_as_empty:
        return gold_recs, warning
    wanted = set(shared)
    return [r for r in gold_recs if r.get("doc_id") in wanted], warning


def origin_of(doc_id: str) -> str:
    return "seed" if doc_id[:3].isdigit() else "composed"


def _prf(tp: float, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


def _overlap(a: dict, b: dict) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def match_overlap(gold: list[dict], pred: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs of same-type mentions by largest character overlap."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if g["type"] == p["type"]:
                ov = _overlap(g, p)
                if ov > 0:
                    cands.append((-ov, gi, pi))
    used_g, used_p, pairs = set(), set(), []
    for _, gi, pi in sorted(cands):
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gold[gi], pred[pi]))
    return pairs


def value_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    if a == b:
        return True
    return math.isclose(a, b, rel_tol=1e-3)


def attrs_match(g: dict, p: dict) -> dict[str, bool]:
    if g["type"] == "QUANTITY":
        return {"value": value_equal(g.get("value"), p.get("value")), "unit": g.get("unit") == p.get("unit"),
                "per": g.get("per") == p.get("per"),     # guide v1.2; records before it without `per` mean null
                "bound": (g.get("bound") or "=") == (p.get("bound") or "="), "change": g.get("change") == p.get("change")}
    if g["type"] == "DATE":
        return {"timex_type": g.get("timex_type") == p.get("timex_type"), "value": g.get("value") == p.get("value")}
    return {}


def strict_attr_ok(g: dict, p: dict) -> bool:
    a = attrs_match(g, p)
    if g["type"] == "QUANTITY":
        return a["value"] and a["unit"]
    if g["type"] == "DATE":
        return a["value"]
    return True


def pairwise_grouping(pairs: list[tuple[dict, dict, str]]) -> dict[str, float]:
    """Pairwise F1 of canonical groupings over matched mentions (doc-qualified ids)."""
    gold_same = pred_same = both = 0
    n = len(pairs)
    for i in range(n):
        gi, pi, _ = pairs[i]
        for j in range(i + 1, n):
            gj, pj, _ = pairs[j]
            g = gi.get("canonical") == gj.get("canonical")
            p = pi.get("canonical") == pj.get("canonical")
            gold_same += g
            pred_same += p
            both += g and p
    # gold_pairs/pred_pairs: same-key pairs on each side; both 0 = nothing to score (printed n/a)
    return {**_prf(both, pred_same, gold_same), "gold_pairs": gold_same, "pred_pairs": pred_same}


def line_kinds(record: dict, raw: str) -> list[str]:
    starts = {ln["start"]: ln["kind"] for ln in record.get("lines", [])}
    kinds, pos = [], 0
    for line in raw.split("\n"):
        kinds.append(starts.get(pos, "body"))
        pos += len(line) + 1
    return kinds


def corpus_text(doc_id: str) -> str | None:
    path = REPO / "corpus" / f"{doc_id}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else None


def score(gold_recs: Iterable[dict], pred_recs: Iterable[dict]) -> dict[str, Any]:
    preds = {r["doc_id"]: r for r in pred_recs}
    counts: dict[str, defaultdict[str, float]] = {t: defaultdict(float) for t in TYPES}
    attr_hits: dict[str, defaultdict[str, int]] = {t: defaultdict(int) for t in TYPES}
    group_pairs: dict[str, list] = {t: [] for t in TYPES}
    lines_total = lines_ok = 0
    kind_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    field_hits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    published: dict[str, int] = defaultdict(int)
    missing = []
    for g in gold_recs:
        p = preds.get(g["doc_id"])
        if p is None:
            missing.append(g["doc_id"])
            p = {"mentions": [], "lines": []}
        for t in TYPES:
            gm = [m for m in g["mentions"] if m["type"] == t]
            pm = [m for m in p["mentions"] if m["type"] == t]
            c = counts[t]
            c["gold"] += len(gm)
            c["pred"] += len(pm)
            exact = {(m["start"], m["end"]) for m in gm} & {(m["start"], m["end"]) for m in pm}
            c["exact_tp"] += len(exact)
            pairs = match_overlap(gm, pm)
            c["overlap_tp"] += len(pairs)
            for gg, pp in pairs:
                for k, ok in attrs_match(gg, pp).items():
                    attr_hits[t][k] += ok
                c["strict_tp"] += strict_attr_ok(gg, pp)
                if t == "QUANTITY":
                    c["strict_per_tp"] += strict_attr_ok(gg, pp) and gg.get("per") == pp.get("per")
                if t in ("AGENCY", "PROGRAMME"):
                    group_pairs[t].append((gg, pp, g["doc_id"]))
        raw = corpus_text(g["doc_id"])
        if raw is not None:
            gk, pk = line_kinds(g, raw), line_kinds(p, raw)
            lines_total += len(gk)
            lines_ok += sum(a == b for a, b in zip(gk, pk))
            for a, b in zip(gk, pk):
                kind_counts[a]["gold"] += 1
                kind_counts[b]["pred"] += 1
                kind_counts[a]["tp"] += a == b
        if "published_stated" in g:
            published_outcome(g, p, published)
        for name in FIELDS:
            if name in g:
                field_hits[name]["n"] += 1
                field_hits[name]["ok"] += _field_text(g.get(name)) == _field_text(p.get(name))
    out: dict[str, Any] = {"documents": len(list(gold_recs)) if isinstance(gold_recs, list) else None, "missing_predictions": missing, "types": {}}
    for t in TYPES:
        c = counts[t]
        entry = {"gold": int(c["gold"]), "pred": int(c["pred"]),
                 "exact": _prf(c["exact_tp"], int(c["pred"]), int(c["gold"])),
                 "overlap": _prf(c["overlap_tp"], int(c["pred"]), int(c["gold"]))}
        if t in ("QUANTITY", "DATE"):
            n = int(c["overlap_tp"])
            entry["attribute_accuracy"] = {k: round(v / n, 4) if n else None for k, v in attr_hits[t].items()}
            entry["value_f1" if t == "DATE" else "value_unit_f1"] = _prf(c["strict_tp"], int(c["pred"]), int(c["gold"]))
            if t == "QUANTITY":
                entry["value_unit_per_f1"] = _prf(c["strict_per_tp"], int(c["pred"]), int(c["gold"]))
        else:
            entry["grouping"] = pairwise_grouping(group_pairs[t])
        out["types"][t] = entry
    out["lines"] = {"lines": lines_total, "accuracy": round(lines_ok / lines_total, 4) if lines_total else None,
                    "per_kind": {k: _prf(v["tp"], v["pred"], v["gold"]) for k, v in sorted(kind_counts.items())}}
    out["fields"] = {name: {"articles": v["n"], "accuracy": round(v["ok"] / v["n"], 4) if v["n"] else None}
                     for name, v in field_hits.items()}
    stated, unstated = published["stated"], published["unstated"]
    out["published"] = {"stated": stated, "right": published["right"],
                        "accuracy": round(published["right"] / stated, 4) if stated else None,
                        "not_stated": unstated, "invented": published["invented"]}
    return out


FIELDS = ("title", "byline", "source", "dateline_place")


def _field_text(field: Any) -> str | None:
    if isinstance(field, dict):
        return (field.get("text") or "").strip() or None
    return field.strip() or None if isinstance(field, str) else None


def published_outcome(gold: dict, pred: dict, tally: dict[str, int]) -> None:
    """Guide v1.2 scoring of ``published``: on articles whose text states a date, right or not; on
    those whose text states none, a date the prediction found in the text is invented. The
    prediction's date counts as found in the text when its basis is not the input metadata."""
    from_text = pred.get("published_basis") not in (None, "metadata", "command-line", "assigned")
    if gold.get("published_stated"):
        tally["stated"] += 1
        tally["right"] += bool(pred.get("published")) and pred.get("published") == gold.get("published")
    else:
        tally["unstated"] += 1
        tally["invented"] += bool(pred.get("published")) and from_text


def score_by_origin(gold_recs: list[dict], pred_recs: list[dict]) -> dict[str, Any]:
    result = {"all": score(gold_recs, pred_recs)}
    for origin in ("seed", "composed"):
        subset = [g for g in gold_recs if origin_of(g["doc_id"]) == origin]
        if subset:
            result[origin] = score(subset, pred_recs)
    return result


def with_na(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``score_by_origin``'s result where every metric with nothing to score is None
    (printed "n/a"), never the 1.0 that P/R/F1 conventions give an empty comparison (issue 18):
    a type with no gold and no predicted mention, a grouping with no same-key pair on either
    side, line accuracy over no line, attribute accuracy over no matched mention."""
    import copy

    out = copy.deepcopy(result)
    na = {"p": None, "r": None, "f1": None}
    for res in out.values():
        for e in res.get("types", {}).values():
            if e["gold"] == 0 and e["pred"] == 0:
                for key in ("exact", "overlap", "value_f1", "value_unit_f1", "value_unit_per_f1"):
                    if key in e:
                        e[key] = dict(na)
            grouping = e.get("grouping")
            if grouping is not None and not grouping.get("gold_pairs") and not grouping.get("pred_pairs"):
                e["grouping"] = {**grouping, **na}
    return out


def _f(value: Any, width: int) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.3f}"


def format_table(result: dict[str, Any]) -> str:
    result = with_na(result)
    rows = [f"{'set':<9}{'type':<11}{'gold':>5}{'pred':>6}{'exactF1':>9}{'ovlpP':>8}{'ovlpR':>8}{'ovlpF1':>8}{'attrF1':>8}  attributes"]
    for origin, res in result.items():
        for t, e in res["types"].items():
            attr = e.get("value_f1") or e.get("value_unit_f1") or e.get("grouping")
            if "grouping" in e:
                detail = {"grouping_f1": e["grouping"].get("f1")}
            else:                       # no overlap-matched mention: no attribute to score
                detail = e.get("attribute_accuracy") or {"attributes": None}
            rows.append(f"{origin:<9}{t:<11}{e['gold']:>5}{e['pred']:>6}{_f(e['exact']['f1'], 9)}{_f(e['overlap']['p'], 8)}"
                        f"{_f(e['overlap']['r'], 8)}{_f(e['overlap']['f1'], 8)}{_f(attr['f1'], 8)}  "
                        + " ".join(f"{k}={'n/a' if v is None else v}" for k, v in detail.items()))
        acc = res["lines"]["accuracy"]
        rows.append(f"{origin:<9}{'LINES':<11}{res['lines']['lines']:>5}  accuracy={'n/a' if acc is None else acc}")
    return "\n".join(rows)
