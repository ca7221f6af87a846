"""HTML input, two ways (issue 18): trafilatura's main text vs all the page's text + our line model.

Pages: tests/fixtures/html/*.html, composed by hand for this comparison (no copied web text,
fictional site names); tests/fixtures/html/expected.jsonl gives per page the title, the
publication date, the body sentences and the chrome strings (navigation, related links,
footers, comments). Each page goes through ``read_inputs`` (as ``govnews run page.html
[--html-text all]`` reads it) and the real pipeline, and is scored on:

* body kept: body sentences that are in the article text on a line the stages extract from
  (not metadata/boilerplate);
* chrome leaked: chrome strings that are in the text on such a line (mentions could come from
  them);
* title: the record's guide ``title`` field (read from the text) equals the page title;
  input_title (from the markup) is reported beside it;
* published: the record's ``published`` equals the page's date;
* fields: byline and source fields read from the text (the page's own byline/source lines,
  which main-text extraction tends to drop);
* mentions: how many the record holds.

Usage: python bench/html_ingest.py [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAGES = REPO / "tests" / "fixtures" / "html"
EXCLUDED = {"metadata", "boilerplate"}


def expected() -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in (PAGES / "expected.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if "_meta" not in r]


def _line_kind(record: dict[str, Any], text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    return next((ln["kind"] for ln in record["lines"] if ln["start"] == start), "body")


def _on_extracted_line(record: dict[str, Any], text: str, needle: str) -> bool:
    i = text.find(needle)
    return i >= 0 and _line_kind(record, text, i) not in EXCLUDED


def score_page(nlp, want: dict[str, Any], mode: str) -> dict[str, Any]:
    from pipeline.io.inputs import ReadOptions, read_inputs
    from pipeline.execution.runner import record_for

    (art,) = read_inputs([PAGES / want["page"]], opts=ReadOptions(html_mode=mode))
    rec = record_for(nlp, art)
    text = art.text
    body = [s for s in want["body"] if _on_extracted_line(rec, text, s)]
    chrome = [s for s in want["chrome"] if _on_extracted_line(rec, text, s)]
    title = (rec.get("title") or {}).get("text")
    return {"page": want["page"], "mode": mode, "lines": text.count("\n") + 1,
            "body_kept": len(body), "body": len(want["body"]), "chrome_leaked": len(chrome), "chrome": len(want["chrome"]),
            "leaked": chrome, "lost": [s for s in want["body"] if s not in body],
            "title_right": title == want["title"], "title_field": title, "input_title": rec.get("input_title"),
            "published_right": rec.get("published") == want["published"], "published": rec.get("published"),
            "published_basis": rec.get("published_basis"), "mentions": len(rec["mentions"]),
            "fields": sum(1 for k in ("byline", "source") if rec.get(k))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write the per-page figures here")
    args = ap.parse_args()
    from pipeline.nlp import build

    nlp = build()
    rows = [score_page(nlp, want, mode) for want in expected() for mode in ("main", "all")]
    print(f"{'page':<22}{'mode':<6}{'lines':>6}{'body kept':>11}{'chrome leaked':>15}{'title':>7}{'published':>11}{'fields':>8}{'mentions':>10}")
    for r in rows:
        print(f"{r['page']:<22}{r['mode']:<6}{r['lines']:>6}{r['body_kept']:>7}/{r['body']:<3}{r['chrome_leaked']:>11}/{r['chrome']:<3}"
              f"{'yes' if r['title_right'] else 'no':>7}{'yes' if r['published_right'] else 'no':>11}{r['fields']:>8}{r['mentions']:>10}")
    for mode in ("main", "all"):
        sub = [r for r in rows if r["mode"] == mode]
        print(f"total {mode:<5} body kept {sum(r['body_kept'] for r in sub)}/{sum(r['body'] for r in sub)}, "
              f"chrome leaked {sum(r['chrome_leaked'] for r in sub)}/{sum(r['chrome'] for r in sub)}, "
              f"title right {sum(r['title_right'] for r in sub)}/{len(sub)}, "
              f"published right {sum(r['published_right'] for r in sub)}/{len(sub)}, "
              f"byline/source fields {sum(r['fields'] for r in sub)}, mentions {sum(r['mentions'] for r in sub)}")
    for r in rows:
        if r["leaked"] or r["lost"]:
            print(f"  {r['page']} [{r['mode']}] leaked={r['leaked']} lost={r['lost']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
