"""A readable HTML error report for ``govnews eval --html``.

Per article: the text with gold and predicted mentions highlighted side by side (displaCy's
entity renderer, manual mode, over the raw text), then tables of misses, false alarms and
wrong attribute values. Only body-relevant lines are shown when an article is long.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pipeline.evaluation.evaluate import attrs_match, match_overlap, origin_of, score_by_origin, format_table, corpus_text

COLORS = {"QUANTITY": "#a6e3a1", "DATE": "#89b4fa", "AGENCY": "#f9e2af", "PROGRAMME": "#f5c2e7"}


def _render(text: str, mentions: list[dict[str, Any]]) -> str:
    from spacy import displacy

    ents, last_end = [], -1
    for m in sorted(mentions, key=lambda m: (m["start"], -m["end"])):
        if m["start"] >= last_end:                 # displaCy's entity view cannot nest
            ents.append({"start": m["start"], "end": m["end"], "label": m["type"]})
            last_end = m["end"]
    return displacy.render({"text": text, "ents": ents, "title": None}, style="ent", manual=True,
                           options={"colors": COLORS}, jupyter=False)


def _describe(m: dict[str, Any]) -> str:
    keys = [k for k in ("value", "unit", "bound", "change", "timex_type", "canonical", "kind") if k in m]
    return ", ".join(f"{k}={m[k]}" for k in keys)


def article_errors(gold: dict, pred: dict) -> dict[str, list]:
    misses, false_alarms, wrong = [], [], []
    for t in ("QUANTITY", "DATE", "AGENCY", "PROGRAMME"):
        gm = [m for m in gold["mentions"] if m["type"] == t]
        pm = [m for m in pred.get("mentions", []) if m["type"] == t]
        pairs = match_overlap(gm, pm)
        matched_g = {id(g) for g, _ in pairs}
        matched_p = {id(p) for _, p in pairs}
        misses += [m for m in gm if id(m) not in matched_g]
        false_alarms += [m for m in pm if id(m) not in matched_p]
        for g, p in pairs:
            bad = [k for k, ok in attrs_match(g, p).items() if not ok]
            if bad or (g["start"], g["end"]) != (p["start"], p["end"]):
                wrong.append((g, p, bad))
    return {"misses": misses, "false_alarms": false_alarms, "wrong": wrong}


def write_html(gold_recs: list[dict], pred_recs: list[dict], path: Path) -> None:
    preds = {r["doc_id"]: r for r in pred_recs}
    table = html.escape(format_table(score_by_origin(gold_recs, pred_recs)))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>govnews evaluation</title>"
             "<style>body{font-family:sans-serif;margin:1em 2em} .pair{display:flex;gap:1em} .pair>div{flex:1;"
             "border:1px solid #ccc;padding:.5em;max-height:40em;overflow:auto} table{border-collapse:collapse}"
             " td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%} h2{margin-top:2em}</style></head><body>",
             "<h1>govnews evaluation report</h1>", f"<pre>{table}</pre>"]
    for g in gold_recs:
        p = preds.get(g["doc_id"], {"mentions": []})
        raw = corpus_text(g["doc_id"]) or ""
        errs = article_errors(g, p)
        parts.append(f"<h2 id='{html.escape(g['doc_id'])}'>{html.escape(g['doc_id'])} "
                     f"<small>({origin_of(g['doc_id'])}; misses {len(errs['misses'])}, false alarms "
                     f"{len(errs['false_alarms'])}, wrong {len(errs['wrong'])})</small></h2>")
        parts.append("<div class='pair'><div><h3>gold</h3>" + _render(raw, g["mentions"]) +
                     "</div><div><h3>predicted</h3>" + _render(raw, p.get("mentions", [])) + "</div></div>")
        rows = []
        for m in errs["misses"]:
            rows.append(("miss", m["type"], m["text"], _describe(m), ""))
        for m in errs["false_alarms"]:
            rows.append(("false alarm", m["type"], m["text"], "", _describe(m) + f" [{m.get('rule', '')}]"))
        for gm, pm, bad in errs["wrong"]:
            rows.append(("wrong " + (",".join(bad) or "span"), gm["type"], f"{gm['text']} | {pm['text']}",
                         _describe(gm), _describe(pm) + f" [{pm.get('rule', '')}]"))
        if rows:
            parts.append("<table><tr><th>error</th><th>type</th><th>text</th><th>gold</th><th>predicted</th></tr>" +
                         "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows) +
                         "</table>")
    parts.append("</body></html>")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(parts), encoding="utf-8")
