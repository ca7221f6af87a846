"""Bad and odd files: each gets a clear error naming the file (and line) or a correct result,
never a crash or a silent loss (records in = records out + errors).

Covers: empty, whitespace only, binary, truncated UTF-8, UTF-16/32 (with and without BOM),
GB18030/GBK Chinese pages, Latin-1, a UTF-8 BOM, Windows and old-Mac line endings, NUL bytes
past the sniffed head, an unreadable path, a 20 MB article (200 KB by default), a line of
1 M characters and 100,000 tiny articles in one JSONL feed through ``read_jsonl`` and the
batch runner.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.io.inputs import MAX_BYTES, InputError, read_directory, read_inputs, read_jsonl, read_text_file
from robust_support import assert_ok, count, mention, opt_in, record_of

REPO = Path(__file__).resolve().parents[2]
GB_PAGE = ("<html><head><meta charset=\"gbk\"><title>重庆市生态环境局</title></head><body>\n"
           "<p>2023年，重庆市空气质量优良天数达到326天，PM2.5平均浓度为38微克/立方米。</p>\n</body></html>\n")
ENGLISH = "Chongqing's PM2.5 concentration fell to 38 μg/m3 in 2023, the Municipal Ecology and Environment Bureau said.\n"

BAD_FILES = {
    "empty": (b"", "empty"),
    "whitespace_ascii": (b"  \n\t\r\n  \n", "empty"),
    "whitespace_unicode": ("\u00a0\u3000\u2003\n\u200a".encode("utf-8"), "only whitespace"),
    "binary_png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)), "binary"),
    "binary_random": (bytes((i * 7919) % 256 for i in range(5000)), "binary"),
    "truncated_utf8": (ENGLISH.encode("utf-8")[:-9] + "μ".encode("utf-8")[:1], "truncated"),
    "invalid_utf8_middle": (b"PM2.5 fell to 38 \xb5g/m3 in 2023.\n", "not valid UTF-8 at byte 17"),
    "latin1": ("Caf\u00e9 society: 5 tons.\n".encode("latin-1"), "not valid UTF-8"),
    "utf16_le_bom": (ENGLISH.encode("utf-16"), "UTF-16"),
    "utf16_be_bom": (b"\xfe\xff" + ENGLISH.encode("utf-16-be"), "UTF-16"),
    "utf16_no_bom": (ENGLISH.encode("utf-16-le"), "UTF-16"),
    "utf32_bom": (ENGLISH.encode("utf-32"), "UTF-32"),
    "gb18030_page": (GB_PAGE.encode("gb18030"), "GB18030"),
    "gbk_page": (GB_PAGE.encode("gbk"), "GB18030/GBK"),
    "too_large": (b"x" * (MAX_BYTES + 1), "larger than"),
}


def _named(err: pytest.ExceptionInfo, path: Path, needle: str) -> None:
    msg = str(err.value)
    assert str(path) in msg, msg
    assert needle in msg, msg
    count("files.clear_errors")


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_is_refused_with_its_name_by_every_reader(tmp_path, name):
    data, needle = BAD_FILES[name]
    count("files.inputs")
    # a single .txt (govnews run article.txt)
    txt = tmp_path / f"{name}.txt"
    txt.write_bytes(data)
    with pytest.raises(InputError) as err:
        list(read_text_file(txt, "2024-05-01"))
    _named(err, txt, needle)
    # a corpus directory: the good article before it is read, the bad one is named
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(ENGLISH, encoding="utf-8")
    (corpus / "bad.txt").write_bytes(data)
    (corpus / "manifest.jsonl").write_text(json.dumps({"doc_id": "good", "file": "good.txt"}) + "\n"
                                           + json.dumps({"doc_id": "bad", "file": "bad.txt"}) + "\n", encoding="utf-8")
    got = []
    with pytest.raises(InputError) as err:
        for art in read_directory(corpus):
            got.append(art.doc_id)
    assert got == ["good"]
    _named(err, corpus / "bad.txt", needle)


@pytest.mark.parametrize("name", ["empty", "binary_png", "truncated_utf8", "utf16_le_bom", "gb18030_page"])
def test_bad_file_through_the_cli_is_a_one_line_error_and_no_output(tmp_path, name):
    from pipeline.cli import app

    src = tmp_path / f"{name}.txt"
    src.write_bytes(BAD_FILES[name][0])
    out = tmp_path / "out" / "records.jsonl"
    # --strict: the refuse-everything mode (issue 18: by default UTF-16 and GB18030 are decoded and a
    # bad unit is quarantined; tests/robustness/test_robust_ingest.py covers that behaviour)
    result = CliRunner().invoke(app, ["run", str(src), "--published", "2024-05", "--out", str(out), "--strict"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("govnews: error: ") and str(src) in result.output
    assert "Traceback" not in result.output and not out.exists()
    count("files.inputs")
    count("files.clear_errors")


def test_jsonl_lines_that_are_not_text(tmp_path):
    """A feed line with bytes that are not UTF-8, a lone surrogate, a non-object, or no text: the line is named."""
    feed = tmp_path / "feed.jsonl"
    bad_lines = [
        (b'{"doc_id": "a", "text": "caf\xe9"}', "not valid UTF-8"),
        (b'{"doc_id": "a", "text": "bad \\ud800 surrogate"}', "unpaired surrogate"),
        (b'["doc_id", "text"]', "JSON object"),
        (b'{"doc_id": "a", "text": 5}', "missing or empty text"),
        (b'{"doc_id": "a", "text": " \\u00a0\\u3000 "}', "missing or empty text"),
        (b'{"doc_id": "a", "text": "ok"', "malformed JSON"),
    ]
    for line, needle in bad_lines:
        feed.write_bytes(b'{"doc_id": "first", "text": "fine"}\n\n' + line + b"\n")
        with pytest.raises(InputError) as err:
            list(read_jsonl(feed))
        _named(err, Path(f"{feed}:3"), needle)
        count("files.inputs")


def test_unreadable_paths_are_input_errors(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").mkdir()                         # a directory where the article should be
    (corpus / "manifest.jsonl").write_text('{"doc_id": "a"}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_directory(corpus))
    _named(err, corpus / "a.txt", "cannot read")
    (corpus / "manifest.jsonl").write_bytes(b'{"doc_id": "a", "note": "\xff"}\n')
    with pytest.raises(InputError) as err:
        list(read_directory(corpus))
    _named(err, corpus / "manifest.jsonl", "not valid UTF-8")
    with pytest.raises(InputError) as err:
        list(read_inputs([tmp_path / "missing.jsonl"]))
    _named(err, tmp_path / "missing.jsonl", "no such file")
    with pytest.raises(InputError) as err:
        list(read_inputs([tmp_path / "feed.csv"]))
    count("files.inputs", 4)


# ------------------------------------------------------------------------ odd but valid files

def test_utf8_bom_is_dropped_and_offsets_index_the_decoded_text(nlp, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ENGLISH.encode("utf-8"))
    (art,) = read_text_file(path, "2024-05-01")
    assert art.text == ENGLISH                                 # no BOM character left in the text
    rec = record_of(nlp, art.text, art.meta, area="files")
    assert_ok(rec, art.text)
    q = mention(rec, "38 μg/m3", "QUANTITY")
    assert q and q["start"] == ENGLISH.index("38 μg/m3") and q["value"] == 38
    # a BOM before the first object of a JSONL feed is dropped too
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\xef\xbb\xbf" + json.dumps({"doc_id": "a", "text": ENGLISH}).encode() + b"\n")
    assert [a.text for a in read_jsonl(feed)] == [ENGLISH]


ARTICLE = ("Chongqing air quality improves\n"
           "Release Time: 2024-05-20 21:59\n"
           "Editor: Wang Li\n"
           "\n"
           "CHONGQING, May 20 -- The city recorded 326 days of good air in 2023, 12 more than in 2022, "
           "and the PM2.5 concentration fell 5.3% year-on-year to 38 μg/m3, the Chongqing Municipal "
           "Ecology and Environment Bureau said on Monday.\n"
           "Photo by Huang Jin\n"
           "Copyright © 2024 Chongqing Daily. All rights reserved.\n")


def test_windows_line_endings_keep_offsets_on_the_decoded_text(nlp, tmp_path):
    """CRLF: "\\r\\n" stays two characters; the same lines, kinds and mentions, each offset moved
    by the "\\r"s before it; no mention contains "\\r"."""
    lf = ARTICLE
    path = tmp_path / "crlf.txt"
    path.write_bytes(lf.replace("\n", "\r\n").encode("utf-8"))
    (art,) = read_text_file(path, "2024-05-20")
    crlf = art.text
    assert crlf == lf.replace("\n", "\r\n")
    a, b = record_of(nlp, lf, art.meta, area="files"), record_of(nlp, crlf, art.meta, area="files")
    assert_ok(b, crlf)
    to_crlf = {p: p + lf.count("\n", 0, p) for p in range(len(lf) + 1)}      # LF offset -> CRLF offset
    assert [(to_crlf[m["start"]], to_crlf[m["end"]], m["text"], m["type"]) for m in a["mentions"]] == \
           [(m["start"], m["end"], m["text"], m["type"]) for m in b["mentions"]]
    assert [(to_crlf[ln["start"]], ln["kind"]) for ln in a["lines"]] == [(ln["start"], ln["kind"]) for ln in b["lines"]]
    for ln in b["lines"]:                                    # a CRLF line's end is its "\n"; its "\r" belongs to it
        assert crlf[ln["end"]:ln["end"] + 1] in ("\n", "")
    assert all("\r" not in m["text"] for m in b["mentions"])


def test_old_mac_line_endings_are_refused_not_read_as_one_line(tmp_path):
    """CR-only text would be a single line (lines split on "\\n" only and the text is never rewritten),
    and one line that mentions "Copyright ©" is all boilerplate: so the readers refuse it, by name."""
    path = tmp_path / "mac.txt"
    path.write_bytes(ARTICLE.replace("\n", "\r").encode("utf-8"))
    with pytest.raises(InputError) as err:
        list(read_text_file(path, "2024-05-20"))
    _named(err, path, "\\r only")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"doc_id": "mac", "text": ARTICLE.replace("\n", "\r")}) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_jsonl(feed))
    _named(err, Path(f"{feed}:1"), "\\r only")
    count("files.inputs", 2)


def test_a_text_that_is_all_chrome_is_flagged_not_silently_empty(nlp):
    """A one-line article that ends in a copyright notice is one boilerplate line: no mentions, and
    the record says why (flag no-body-lines) instead of looking like an article with nothing in it."""
    text = "PM2.5 fell 5.3% to 38 μg/m3 in 2023. Copyright © 2024 Xinhua. All rights reserved."
    rec = record_of(nlp, text, {"published": "2024-05-20"}, area="files")
    assert_ok(rec, text)
    assert rec["mentions"] == [] and "no-body-lines" in rec["flags"]
    fine = record_of(nlp, text.replace(" Copyright", "\nCopyright"), {"published": "2024-05-20"}, area="files")
    assert mention(fine, "38 μg/m3", "QUANTITY") and "no-body-lines" not in fine["flags"]


def test_nul_bytes_after_the_sniffed_head_are_kept_as_text(nlp, tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(ENGLISH.encode() * 60 + b"tail \x00 byte\n")
    (art,) = read_text_file(path, "2024-05-01")
    assert "\x00" in art.text
    rec = record_of(nlp, art.text, art.meta, area="files")
    assert_ok(rec, art.text)


def test_derived_doc_ids_are_safe_for_any_file_name(tmp_path):
    for name in ["报告.txt", "_x.txt", "a b'c.txt", ("n" * 240) + ".txt", "..txt"]:
        path = tmp_path / name
        path.write_text(ENGLISH, encoding="utf-8")
        (art,) = read_text_file(path, None)
        assert art.doc_id and "/" not in art.doc_id and "'" not in art.doc_id and " " not in art.doc_id
        count("files.inputs")


# ---------------------------------------------------------------------------- big inputs

def _corpus_text(size: int) -> str:
    manifest = [json.loads(x) for x in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [(REPO / "corpus" / m["file"]).read_text(encoding="utf-8") for m in manifest]
    parts, n = [], 0
    while n < size:
        for t in texts:
            parts.append(t)
            n += len(t) + 2
            if n >= size:
                break
    return "\n\n".join(parts)


def _big_article(nlp, tmp_path, size: int) -> None:
    text = _corpus_text(size)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    (art,) = read_text_file(path, "2024-05-01")
    assert art.text == text
    rec = record_of(nlp, art.text, art.meta, area="files")
    assert_ok(rec, art.text)
    per_kb = len(rec["mentions"]) / (len(text) / 1000)
    assert per_kb > 5, f"only {len(rec['mentions'])} mentions in {len(text)} characters"


def test_big_article_200kb(nlp, tmp_path):
    _big_article(nlp, tmp_path, 200_000)


@pytest.mark.slow
def test_big_article_20mb(nlp, tmp_path, request):
    opt_in(request, "slow")
    _big_article(nlp, tmp_path, 20 * 1024 * 1024 - 4096)


def test_line_of_one_million_characters(nlp):
    """One line of 1 M characters (an article scraped without line breaks): every stage runs over it
    and the mentions are found (a "cookies" or "all rights reserved" inside it no longer makes the
    whole line boilerplate)."""
    line = _corpus_text(1_000_000).replace("\n", " ")[:1_000_000]
    rec = record_of(nlp, line, {"published": "2024-05-01"}, area="files")
    assert_ok(rec, line)
    assert len(rec["mentions"]) > 5_000
    assert all(ln["kind"] not in ("boilerplate", "metadata") for ln in rec["lines"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["no_spaces", "digits", "url", "cjk", "punctuation"])
def test_line_of_one_million_degenerate_characters(nlp, request, kind):
    opt_in(request, "slow")
    unit = {"no_spaces": "a", "digits": "1", "url": "http://example.com/x/", "cjk": "重庆市生态环境局", "punctuation": ".,;:!?"}[kind]
    line = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    rec = record_of(nlp, line, {"published": "2024-05-01"}, area="files")
    assert_ok(rec, line)


# ------------------------------------------------------------------ 100,000 tiny articles

def _tiny_feed(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"doc_id": f"t{i:06d}", "text": f"Item {i}: {i % 97} tons on May {i % 28 + 1}.",
                                 "published": "2024-05-01"}, ensure_ascii=False) + "\n")


def _trivial(chunk):
    """A processor that fails on every 997th article, to check that failures are accounted for."""
    out = []
    for art in chunk:
        if int(art.doc_id[1:]) % 997 == 996:
            out.append((art, ValueError(f"synthetic failure of {art.doc_id}")))
        else:
            out.append((art, {"doc_id": art.doc_id, "published": art.meta.get("published"), "lines": [], "mentions": []}))
    return out


def test_100k_tiny_articles_stream_through_the_batch_runner(tmp_path):
    from pipeline.execution.batch import run_batch

    n = 100_000
    feed, out = tmp_path / "feed.jsonl", tmp_path / "out" / "records.jsonl"
    _tiny_feed(feed, n)
    summary = run_batch(read_jsonl(feed), out, _trivial, chunk_size=1000)   # 100 fsynced chunks, not 1,563
    records = [json.loads(x)["doc_id"] for x in out.read_text(encoding="utf-8").splitlines()]
    errors = [json.loads(x) for x in out.with_name("records.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    count("files.inputs", n)
    count("files.records_in", n)
    count("files.records_out", len(records))
    count("files.errors", len(errors))
    assert summary.articles == n and len(records) + len(errors) == n          # nothing lost
    assert len(set(records)) == len(records)                                  # nothing twice
    assert records == sorted(records)                                         # input order
    assert {e["doc_id"] for e in errors} == {f"t{i:06d}" for i in range(n) if i % 997 == 996}
    assert all("synthetic failure" in e["error"] for e in errors)


def test_a_bad_line_in_a_big_feed_is_named_and_the_rerun_resumes(tmp_path):
    """A malformed line deep in a feed stops the run with its line number; the chunks before it are
    kept, and after the fix the rerun skips them and completes: in = out + errors."""
    from pipeline.execution.batch import run_batch

    n = 20_000
    feed, out = tmp_path / "feed.jsonl", tmp_path / "records.jsonl"
    _tiny_feed(feed, n)
    lines = feed.read_text(encoding="utf-8").splitlines(keepends=True)
    good = lines[12_345]
    lines[12_345] = '{"doc_id": "t012345", "text": "broken\n'
    feed.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=f"{feed}:12346: malformed JSON"):
        run_batch(read_jsonl(feed), out, _trivial, chunk_size=64)
    assert not out.exists()
    count("files.clear_errors")
    lines[12_345] = good
    feed.write_text("".join(lines), encoding="utf-8")
    summary = run_batch(read_jsonl(feed), out, _trivial, chunk_size=64)
    assert summary.skipped >= 12_288 - 64                                # the work before the bad line was kept
    records = out.read_text(encoding="utf-8").splitlines()
    errors = out.with_name("records.errors.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(records) + len(errors) == n and len({json.loads(r)["doc_id"] for r in records}) == len(records)
    count("files.inputs", n)
    count("files.records_in", n)
    count("files.records_out", len(records))
    count("files.errors", len(errors))


def test_2000_tiny_odd_articles_through_the_real_pipeline(tmp_path):
    """The real processor on small strange articles: every one gives a valid record or a reported error."""
    from pipeline.execution.batch import run_batch
    from pipeline.execution.runner import LocalProcessor

    odd = ["", "5", "%", "\u200b", "\u00ad", "２０２４", "1e309", "--5", "Bureau", "\"", "<p>", "\r", "2024-02-30",
           "１２３ tons", "the 1990s", "Ministry of\u00a0Ecology", "８００,０００ days ago"]
    feed = tmp_path / "feed.jsonl"
    n = 2000
    with feed.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"{odd[i % len(odd)]} {i} {odd[(i * 7) % len(odd)]}".strip() or "x"
            fh.write(json.dumps({"doc_id": f"o{i:05d}", "text": text}, ensure_ascii=False) + "\n")
    out = tmp_path / "records.jsonl"
    with LocalProcessor(workers=1) as proc:
        summary = run_batch(read_jsonl(feed), out, proc, chunk_size=128)
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    texts = {a.doc_id: a.text for a in read_jsonl(feed)}
    for rec in records:
        rec.pop("content_sha256", None)
        assert_ok(rec, texts[rec["doc_id"]])
    assert summary.failed == 0 and len(records) == n
    count("files.inputs", n)
    count("files.records_in", n)
    count("files.records_out", len(records))
