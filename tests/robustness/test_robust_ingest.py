"""Ingest that keeps going (issue 18): bad input units are quarantined and the good articles
processed (records byte-identical to a clean run of the good ones), ``--strict`` refuses as
before, legacy encodings are decoded and recorded, folders of .txt need no manifest,
``--published``/``--retrieved`` are defaults for every input kind, ``--workers`` is capped, a
second run on the same output refuses, and each log event is one line in one format.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.io.inputs import (MAX_BYTES, InputError, Quarantine, ReadOptions, decode_any, decode_bytes, read_inputs)
from robust_support import assert_ok, count

REPO = Path(__file__).resolve().parents[2]
GOOD = [f"Item {i}: the county planted {10 + i} hectares of forest in 2023, the forestry bureau said." for i in range(7)]


def _obj(i: int, **kw) -> dict:
    return {"doc_id": f"g{i}", "text": GOOD[i], "published": "2024-05-01", **kw}


def _feed(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _cli(args: list[str]):
    from pipeline.cli import app

    return CliRunner().invoke(app, args)


def _errors(out: Path) -> list[dict]:
    path = out.with_name(out.stem + ".errors.jsonl")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


BAD_LINES = [
    '{"doc_id": "b1", "text": "broken',                                  # truncated line: malformed JSON
    '{"doc_id": "b2"}',                                                  # no text
    json.dumps({"doc_id": "g0", "text": "Another text under an old id."}),  # duplicate doc_id, different text
]


def _mixed_feed(tmp_path: Path) -> tuple[Path, Path]:
    """A feed of 10 lines, 3 of them bad, plus a repeat of g1 with the same text; and the clean feed."""
    good = [json.dumps(_obj(i)) for i in range(7)]
    mixed = [good[0], BAD_LINES[0], good[1], good[2], BAD_LINES[1], good[3], good[4], BAD_LINES[2], good[5], good[6], good[1]]
    return _feed(tmp_path / "mixed.jsonl", mixed), _feed(tmp_path / "clean.jsonl", good)


def test_bad_feed_lines_are_quarantined_and_good_records_match_a_clean_run(tmp_path):
    mixed, clean = _mixed_feed(tmp_path)
    out, ref = tmp_path / "out" / "records.jsonl", tmp_path / "ref" / "records.jsonl"
    clean_run = _cli(["run", str(clean), "--out", str(ref), "--workers", "1"])
    assert clean_run.exit_code == 0, clean_run.output
    result = _cli(["run", str(mixed), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.output
    errors_file = out.with_name("records.errors.jsonl")
    assert f"7 records written, 3 inputs quarantined (see {errors_file})" in result.output
    assert out.read_bytes() == ref.read_bytes()                         # every good article, byte for byte
    quarantined = [e for e in _errors(out) if e.get("quarantined")]
    assert [(e["path"], e["line"], e["doc_id"]) for e in quarantined] == [
        (str(mixed), 2, None), (str(mixed), 5, "b2"), (str(mixed), 8, "g0")]
    assert "malformed JSON" in quarantined[0]["reason"]
    assert "missing or empty text" in quarantined[1]["reason"]
    assert "duplicate doc_id 'g0' with a different text" in quarantined[2]["reason"]
    summary = json.loads(next(x for x in result.output.splitlines() if x.startswith("{")))
    assert summary["quarantined"] == 3 and summary["processed"] == 7
    count("ingest.inputs", 11)
    count("ingest.records_in", 7)
    count("ingest.records_out", 7)
    count("ingest.clear_errors", 3)


def test_strict_refuses_the_whole_feed_as_before(tmp_path):
    mixed, _ = _mixed_feed(tmp_path)
    out = tmp_path / "out" / "records.jsonl"
    result = _cli(["run", str(mixed), "--out", str(out), "--workers", "1", "--strict"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("govnews: error: ") and f"{mixed}:2: malformed JSON" in result.output
    assert not out.exists()
    count("ingest.clear_errors")


def test_a_feed_whose_every_unit_is_bad_is_an_error_not_an_empty_success(tmp_path):
    feed = _feed(tmp_path / "bad.jsonl", BAD_LINES[:2])
    out = tmp_path / "records.jsonl"
    result = _cli(["run", str(feed), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "no article could be read" in result.output and f"{feed}:1" in result.output
    assert not out.exists() and len(_errors(out)) == 2


def test_bad_files_in_folders_are_quarantined_with_their_path(tmp_path):
    """A folder without manifest and one with a manifest: binary, NUL, empty, truncated UTF-8 files,
    a missing file and a malformed manifest line are set aside; every good file is read."""
    plain = tmp_path / "plain"
    plain.mkdir()
    for i in range(3):
        (plain / f"good{i}.txt").write_text(GOOD[i], encoding="utf-8")
    bad = {"binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "nul.txt": b"text \x00 with a NUL",
           "empty.txt": b"", "truncated.txt": "Chongqing: 38 μ".encode("utf-8")[:-1]}
    for name, data in bad.items():
        (plain / name).write_bytes(data)
    (plain / "notes.csv").write_text("not an article", encoding="utf-8")
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "a.txt").write_text(GOOD[3], encoding="utf-8")
    (listed / "manifest.jsonl").write_text('{"doc_id": "a", "file": "a.txt"}\n{"doc_id": "gone", "file": "gone.txt"}\n'
                                           '{"doc_id": "x", \n', encoding="utf-8")
    q = Quarantine()
    arts = list(read_inputs([plain, listed], opts=ReadOptions(quarantine=q)))
    assert [a.doc_id for a in arts] == ["good0", "good1", "good2", "a"]
    got = {(Path(e["path"]).name, e["line"]): e["reason"] for e in q.entries}
    assert set(got) == {("binary.txt", None), ("nul.txt", None), ("empty.txt", None), ("truncated.txt", None),
                        ("manifest.jsonl", 2), ("manifest.jsonl", 3)}
    assert "binary" in got[("binary.txt", None)] and "truncated" in got[("truncated.txt", None)]
    assert "gone.txt not found" in got[("manifest.jsonl", 2)] and "malformed JSON" in got[("manifest.jsonl", 3)]
    with pytest.raises(InputError, match="binary"):           # without a quarantine: refused, as before
        list(read_inputs([plain]))
    count("ingest.inputs", 11)
    count("ingest.clear_errors", 6)


def test_a_text_over_the_size_limit_is_quarantined_without_loading_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "big"
    folder.mkdir()
    with open(folder / "huge.txt", "wb") as fh:            # sparse: the size is checked before any read
        fh.truncate(MAX_BYTES + 1)
    (folder / "small.txt").write_text(GOOD[0], encoding="utf-8")
    real = Path.read_bytes

    def guarded(self):
        assert self.name != "huge.txt", "the oversized file was read"
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    q = Quarantine()
    assert [a.doc_id for a in read_inputs([folder], opts=ReadOptions(quarantine=q))] == ["small"]
    assert "larger than" in q.entries[0]["reason"]
    count("ingest.clear_errors")


# ------------------------------------------------------------------------------- encodings

GB_TEXT = "重庆市生态环境局称，2023年全市空气质量优良天数为326天。\n"
WESTERN = "The river chief said the “clean rivers” drive cost €5 million — about 20 tonnes of rubbish were removed.\n"
ENCODED = {
    "gb18030": (GB_TEXT.encode("gb18030"), GB_TEXT, "gb18030"),
    "gbk": (GB_TEXT.encode("gbk"), GB_TEXT, "gb18030"),
    "cp1252": (WESTERN.encode("cp1252"), WESTERN, "cp1252"),
    "latin1_micro": (b"PM2.5 fell to 38 \xb5g/m3 in 2023.\n", "PM2.5 fell to 38 µg/m3 in 2023.\n", "cp1252"),
    "utf16_le_bom": (WESTERN.encode("utf-16"), WESTERN, "utf-16"),
    "utf16_be_bom": (b"\xfe\xff" + WESTERN.encode("utf-16-be"), WESTERN, "utf-16"),
    "utf16_no_bom": (WESTERN.encode("utf-16-le"), WESTERN, "utf-16-le"),
    "utf8": (WESTERN.encode("utf-8"), WESTERN, "utf-8"),
}


@pytest.mark.parametrize("name", list(ENCODED))
def test_legacy_encodings_are_decoded_and_named(name):
    data, text, encoding = ENCODED[name]
    assert decode_any(data, "x.txt") == (text, encoding)
    if encoding != "utf-8":
        with pytest.raises(InputError):                    # strict readers stay UTF-8 only
            decode_bytes(data, "x.txt")
    count("ingest.inputs")


def test_a_legacy_file_gives_the_utf8_record_plus_its_encoding(nlp, tmp_path):
    from pipeline.execution.runner import record_for
    from pipeline.io.schema import errors

    folder = tmp_path / "enc"
    folder.mkdir()
    (folder / "w1252.txt").write_bytes(WESTERN.encode("cp1252"))
    (folder / "w8.txt").write_text(WESTERN, encoding="utf-8")
    a1252, a8 = read_inputs([folder], published="2024-05-01", opts=ReadOptions(detect_encoding=True))
    r1252, r8 = record_for(nlp, a1252), record_for(nlp, a8)
    assert r1252.pop("input_encoding") == "cp1252" and "input_encoding" not in r8
    r1252.pop("doc_id"), r8.pop("doc_id")
    assert r1252 == r8                                         # same text, same offsets, same record
    assert not errors({**r1252, "doc_id": "x", "input_encoding": "cp1252"})
    assert_ok({**r8, "doc_id": "w8"}, WESTERN)


# ------------------------------------------------------------------------ folders and dates

ARTICLES = {
    "2024_river.txt": "Rivers cleaner this year\nThe county said on Monday that 15 of its river sections met Grade III this year.\n",
    "b-notice.txt": "Release Time: 2023-03-02\nThe bureau planted 2,000 mu of forest last year.\n",
    "c notes.txt": "The city closed 20 coal boilers this year.\n",
}


def test_a_folder_of_txt_without_manifest_runs_with_doc_ids_from_file_names(tmp_path):
    folder = tmp_path / "scraped"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "records.jsonl"
    result = _cli(["run", str(folder), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    recs = {r["doc_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert list(recs) == ["2024_river", "b-notice", "c_notes"]
    assert recs["b-notice"]["published"] == "2023-03-02" and recs["b-notice"]["published_basis"] != "command-line"
    assert recs["c_notes"]["published"] is None and "published-missing" in recs["c_notes"]["flags"]
    year = next(m for m in recs["c_notes"]["mentions"] if m["text"] == "this year")
    assert year["value"] == "XXXX"
    # with --published: the default for the articles that carry no date, basis command-line
    out2 = tmp_path / "records2.jsonl"
    result = _cli(["run", str(folder), "--out", str(out2), "--workers", "1", "--published", "2021-06-01"])
    assert result.exit_code == 0, result.output
    recs = {r["doc_id"]: r for r in map(json.loads, out2.read_text(encoding="utf-8").splitlines())}
    assert recs["c_notes"]["published"] == "2021-06-01" and recs["c_notes"]["published_basis"] == "command-line"
    assert next(m for m in recs["c_notes"]["mentions"] if m["text"] == "this year")["value"] == "2021"
    count("ingest.inputs", 6)


def test_published_and_retrieved_defaults_apply_to_jsonl_feeds(tmp_path):
    feed = _feed(tmp_path / "feed.jsonl", [
        json.dumps({"doc_id": "none", "text": "The city closed 20 coal boilers this year."}),
        json.dumps({"doc_id": "own", "text": "The city closed 20 coal boilers this year.", "published": "2019-02-01"}),
        json.dumps({"doc_id": "rel", "text": "Release Time2 months ago\nThe city closed 20 coal boilers this year."}),
    ])
    out = tmp_path / "records.jsonl"
    result = _cli(["run", str(feed), "--out", str(out), "--workers", "1", "--published", "2020-05-01", "--retrieved", "2020-07-15"])
    assert result.exit_code == 0, result.output
    recs = {r["doc_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert (recs["none"]["published"], recs["none"]["published_basis"]) == ("2020-05-01", "command-line")
    assert next(m for m in recs["none"]["mentions"] if m["text"] == "this year")["value"] == "2020"
    assert (recs["own"]["published"], recs["own"]["published_basis"]) == ("2019-02-01", "metadata")
    assert recs["none"]["retrieved"] == "2020-07-15" and recs["own"]["retrieved"] == "2020-07-15"
    bad = _cli(["run", str(feed), "--out", str(out), "--published", "2020-13-01"])
    assert bad.exit_code == 2 and "not a valid ISO date" in bad.output
    count("ingest.inputs", 3)


# ------------------------------------------------------------------------------ resources

def test_workers_are_capped_at_cores_and_articles():
    from pipeline.execution.runner import cap_workers

    assert cap_workers(1000, 5000, cores=2) == (2, "--workers 1000 capped to 2: this machine has 2 core(s)")
    assert cap_workers(8, 3, cores=16) == (3, "--workers 8 capped to 3: the input has 3 article(s)")
    assert cap_workers(2, 10, cores=4) == (2, None)
    assert cap_workers(0, 1, cores=4) == (1, None)                 # "all cores" needs no notice
    assert cap_workers(0, None, cores=4) == (4, None)


HOLD = """
import sys, time
sys.path.insert(0, {repo!r})
from pipeline.execution.batch import OutputLock
with OutputLock({out!r}):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_run_on_the_same_output_refuses_and_changes_nothing(tmp_path):
    feed = _feed(tmp_path / "feed.jsonl", [json.dumps(_obj(i)) for i in range(3)])
    out = tmp_path / "records.jsonl"
    assert _cli(["run", str(feed), "--out", str(out), "--workers", "1"]).exit_code == 0
    files = lambda: {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".lock"}  # noqa: E731
    before = files()
    holder = subprocess.Popen([sys.executable, "-c", HOLD.format(repo=str(REPO), out=str(out))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = _cli(["run", str(feed), "--out", str(out), "--workers", "1", "--force"])
        assert result.exit_code == 2, result.output
        assert "another govnews run" in result.output and f"pid {holder.pid}" in result.output
        assert files() == before
    finally:
        holder.kill()
        holder.wait()
    assert _cli(["run", str(feed), "--out", str(out), "--workers", "1"]).exit_code == 0   # the lock died with its holder
    count("ingest.faults")


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) \S")


def test_one_log_line_per_event_in_one_format(tmp_path):
    mixed, _ = _mixed_feed(tmp_path)
    out = tmp_path / "records.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(mixed), "--out", str(out), "--workers", "1000"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert sum("Created vocabulary" in x for x in lines) == 1, proc.stderr
    assert sum("Finished initializing nlp object" in x for x in lines) == 1, proc.stderr
    assert any("--workers 1000 capped to" in x for x in lines)
    assert sum("quarantined" in x and LOG_LINE.match(x) is not None for x in lines) == 3
    for x in lines:
        assert LOG_LINE.match(x) or x.startswith("govnews: ") or re.match(r"^\d+ records written, \d+ inputs quarantined", x), x
