"""HTML pages as input and ``govnews eval`` checking its inputs (issue 18).

Pages: tests/fixtures/html/ (composed by hand, fictional sites; see expected.jsonl there).
Eval data: gold records written here by hand (no corpus article is scored).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.io.inputs import InputError, Quarantine, ReadOptions, read_inputs
from robust_support import assert_ok, count

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "tests" / "fixtures" / "html"
EXPECTED = {r["page"]: r for r in (json.loads(x) for x in (PAGES / "expected.jsonl").read_text(encoding="utf-8").splitlines())
            if "page" in r}


def _cli(args):
    from pipeline.cli import app

    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("mode", ["main", "all"])
@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_html_pages_give_text_metadata_and_offsets(page, mode):
    want = EXPECTED[page]
    (art,) = read_inputs([PAGES / page], opts=ReadOptions(html_mode=mode))
    info = art.meta["html_metadata"]
    assert info["mode"] == mode
    for key in ("title", "author", "sitename"):
        item = info.get(key)
        if want.get(key) is not None:
            assert item and item["text"] == want[key]
        if item and item["start"] is not None:
            assert art.text[item["start"]:item["end"]] == item["text"]      # offsets into the extracted text
    for sentence in want["body"]:
        assert sentence in art.text
    assert "<p>" not in art.text and "</" not in art.text
    if want["published"] and info["date"]:
        assert (art.meta["published"], art.meta["published_basis"]) == (info["date"], "metadata")
    count("ingest.inputs")


def test_main_text_drops_the_chrome_that_all_text_keeps():
    (main,) = read_inputs([PAGES / "news_article.html"])
    (full,) = read_inputs([PAGES / "news_article.html"], opts=ReadOptions(html_mode="all"))
    chrome = EXPECTED["news_article.html"]["chrome"]
    assert not [c for c in chrome if c in main.text]
    assert all(c in full.text for c in chrome)
    assert main.meta["html_metadata"]["title"]["start"] == 0


def test_html_in_a_jsonl_feed_equals_the_html_file(tmp_path):
    html = (PAGES / "gov_notice.html").read_text(encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"doc_id": "gov_notice", "html": html, "url": "https://example.org/n/1"}) + "\n"
                    + json.dumps({"doc_id": "blank", "html": "<html><body><script>x()</script></body></html>"}) + "\n",
                    encoding="utf-8")
    q = Quarantine()
    (from_feed,) = read_inputs([feed], opts=ReadOptions(quarantine=q))
    (from_file,) = read_inputs([PAGES / "gov_notice.html"])
    assert from_feed.text == from_file.text and from_feed.meta["published"] == from_file.meta["published"] == "2024-01-09"
    assert from_feed.meta["url"] == "https://example.org/n/1"
    assert [(e["line"], e["doc_id"]) for e in q.entries] == [(2, "blank")] and "no text" in q.entries[0]["reason"]
    with pytest.raises(InputError, match="no text"):
        list(read_inputs([feed]))


def test_html_records_through_the_cli(tmp_path):
    """The page's own date wins over --published (a default for inputs carrying none); a page
    without one takes the default, basis command-line; records validate and index the text."""
    from pipeline.io.schema import errors

    folder = tmp_path / "pages"
    folder.mkdir()
    for page in ("news_article.html", "bare_paragraphs.html"):
        (folder / page).write_bytes((PAGES / page).read_bytes())
    out = tmp_path / "records.jsonl"
    result = _cli(["run", str(folder), "--out", str(out), "--workers", "1", "--published", "2020-01-01"])
    assert result.exit_code == 0, result.output
    recs = {r["doc_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    news, bare = recs["news_article"], recs["bare_paragraphs"]
    assert (news["published"], news["published_basis"]) == ("2023-06-14", "metadata")
    assert (bare["published"], bare["published_basis"]) == ("2020-01-01", "command-line")
    assert news["input_title"] == "River chiefs clear 40 km of riverbank in county drive"
    assert news["html_metadata"]["author"]["text"] == "Lin Mei"
    for rec in recs.values():
        assert not errors(rec), errors(rec)
    (art,) = read_inputs([folder / "news_article.html"])
    assert_ok(news, art.text)
    assert any(m["type"] == "QUANTITY" and m["text"] == "12 tonnes" for m in news["mentions"])


# ------------------------------------------------------------------------------- eval

def _gold(doc_id: str, mentions: list[dict]) -> dict:
    return {"doc_id": doc_id, "published": "2024-01-01", "lines": [], "mentions": mentions}


Q = {"type": "QUANTITY", "start": 0, "end": 7, "text": "5 tons.", "value": 5, "unit": "t", "bound": "=", "change": None}
D = {"type": "DATE", "start": 10, "end": 14, "text": "2023", "timex_type": "DATE", "value": "2023"}


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def test_eval_with_no_shared_article_is_an_error_naming_both_files(tmp_path):
    gold = _write(tmp_path / "gold.jsonl", [_gold("a", [Q]), _gold("b", [D])])
    pred = _write(tmp_path / "pred.jsonl", [_gold("z", [Q])])
    result = _cli(["eval", str(gold), str(pred)])
    assert result.exit_code == 2
    assert str(gold) in result.output and str(pred) in result.output and "share no doc_id" in result.output
    count("ingest.clear_errors")


def test_eval_partial_overlap_warns_and_scores_the_shared_articles(tmp_path):
    from pipeline.evaluation.evaluate import score_by_origin

    gold_recs = [_gold("a", [Q]), _gold("b", [Q, D]), _gold("c", [D])]
    gold = _write(tmp_path / "gold.jsonl", gold_recs)
    pred = _write(tmp_path / "pred.jsonl", [_gold("a", [Q]), _gold("extra", [D])])
    result = _cli(["eval", str(gold), str(pred), "--json"])
    assert result.exit_code == 0, result.output
    assert "warning: 1 of 3 gold articles have a prediction" in result.output
    assert "1 predicted article(s) have no gold" in result.output and "--missing-as-empty" in result.output
    scored = json.loads(result.output[result.output.index("{"):])
    assert scored["all"]["types"]["QUANTITY"]["overlap"]["f1"] == 1.0          # only "a" is scored
    assert scored["all"]["types"]["QUANTITY"]["gold"] == 1
    assert scored["all"]["types"]["DATE"]["overlap"]["f1"] is None             # no DATE in "a" on either side: n/a
    empty = _cli(["eval", str(gold), str(pred), "--json", "--missing-as-empty"])
    counted = json.loads(empty.output[empty.output.index("{"):])
    assert counted["all"]["types"]["QUANTITY"]["gold"] == 2 and counted["all"]["types"]["QUANTITY"]["overlap"]["r"] == 0.5
    assert counted["all"]["types"]["DATE"]["overlap"]["r"] == 0.0
    direct = score_by_origin(gold_recs, [_gold("a", [Q]), _gold("extra", [D])])
    assert direct["all"]["types"]["DATE"]["gold"] == 2


def test_eval_table_prints_na_for_metrics_with_nothing_to_score(tmp_path):
    gold = _write(tmp_path / "gold.jsonl", [_gold("a", [Q])])
    pred = _write(tmp_path / "pred.jsonl", [_gold("a", [Q])])
    result = _cli(["eval", str(gold), str(pred)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.output.splitlines() if line.startswith("all")}
    assert "1.000" in rows["QUANTITY"]
    for t in ("DATE", "AGENCY", "PROGRAMME"):
        assert "n/a" in rows[t] and "1.000" not in rows[t] and "1.0" not in rows[t].split()[-1], rows[t]
    assert "accuracy=n/a" in rows["LINES"]
