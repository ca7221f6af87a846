"""Hostile metadata: missing, duplicated or conflicting doc_ids, doc_ids with path separators
or SQL meta-characters, impossible dates, published after retrieved. Each is refused with an
InputError naming the file and line (so nothing reaches a file name or a database), or, when
valid, flows through to a schema-valid record.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.io.inputs import InputError, read_directory, read_inputs, read_jsonl, read_text_file
from robust_support import assert_ok, count, record_of

TEXT = "PM2.5 fell 5.3% to 38 μg/m3 in 2023, the Ministry of Ecology and Environment said last year."

UNSAFE_IDS = ["../x", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "C:\\x", "a'; DROP TABLE records;--",
              'a"b', "a b", "a\tb", "a\nb", "a\x00b", "a;b", "a%2Fb", "a*", "$(rm -rf ~)", "`id`", "é", "文档",
              ".", "..", ".hidden", "-rf", "_x", "x" * 201, "\u202egnp.exe", "a\u200bb"]
SAFE_IDS = ["a", "A-1", "2024.05.01:xinhua_123", "a..b", "x" * 200]
BAD_DATES = ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00", "2024-04-31", "24-05-01", "2024/05/01", "May 2024",
             "2024-5-1", "2024-05-01T10:00", "20240501", "", "   ", "0000", "2024-W19", "yesterday"]
GOOD_DATES = ["2024-02-29", "2024", "2024-05", "2024-05-01", " 2024-05-01 ", "0001-01-01", "9999-12-31"]


def feed(tmp_path: Path, *objs) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


def refused(path_or_paths, where: str, needle: str) -> None:
    paths = path_or_paths if isinstance(path_or_paths, list) else [path_or_paths]
    with pytest.raises(InputError) as err:
        list(read_inputs(paths))
    assert where in str(err.value) and needle in str(err.value), str(err.value)
    count("metadata.inputs")
    count("metadata.clear_errors")


@pytest.mark.parametrize("doc_id", UNSAFE_IDS)
def test_unsafe_doc_ids_are_refused_in_feeds_and_manifests(tmp_path, doc_id):
    path = feed(tmp_path, {"doc_id": "ok", "text": TEXT}, {"doc_id": doc_id, "text": TEXT})
    refused(path, f"{path}:2", "doc_id")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "manifest.jsonl").write_text(json.dumps({"doc_id": doc_id, "file": "a.txt"}) + "\n", encoding="utf-8")
    refused(corpus, f"{corpus / 'manifest.jsonl'}:1", "doc_id")


@pytest.mark.parametrize("doc_id", SAFE_IDS)
def test_safe_doc_ids_flow_through(nlp, tmp_path, doc_id):
    (art,) = read_jsonl(feed(tmp_path, {"doc_id": doc_id, "text": TEXT, "published": "2024-05-01"}))
    rec = record_of(nlp, art.text, art.meta, area="metadata")
    assert rec["doc_id"] == doc_id
    assert_ok(rec, art.text)


@pytest.mark.parametrize("obj,needle", [
    ({"text": TEXT}, "missing doc_id"),
    ({"doc_id": "", "text": TEXT}, "missing doc_id"),
    ({"doc_id": None, "text": TEXT}, "missing doc_id"),
    ({"doc_id": 42, "text": TEXT}, "doc_id must be a string"),
    ({"doc_id": ["a"], "text": TEXT}, "doc_id must be a string"),
    ({"doc_id": {"$ne": 1}, "text": TEXT}, "doc_id must be a string"),
])
def test_missing_or_non_string_doc_ids(tmp_path, obj, needle):
    path = feed(tmp_path, {"doc_id": "ok", "text": TEXT}, obj)
    refused(path, f"{path}:2", needle)


def test_duplicate_and_conflicting_doc_ids(tmp_path):
    same = feed(tmp_path, {"doc_id": "a", "text": TEXT}, {"doc_id": "b", "text": TEXT}, {"doc_id": "a", "text": TEXT})
    refused(same, f"{same}:3", "duplicate doc_id 'a'")
    conflicting = feed(tmp_path, {"doc_id": "a", "text": TEXT}, {"doc_id": "a", "text": "another text"})
    refused(conflicting, f"{conflicting}:2", "duplicate doc_id 'a'")
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"doc_id": "a", "text": "a different article"}) + "\n", encoding="utf-8")
    one = feed(tmp_path, {"doc_id": "a", "text": TEXT})
    refused([one, other], f"{other}:1", "across inputs")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "manifest.jsonl").write_text('{"doc_id": "a", "file": "a.txt"}\n{"doc_id": "a", "file": "a.txt"}\n', encoding="utf-8")
    refused(corpus, f"{corpus / 'manifest.jsonl'}:2", "duplicate doc_id")


def test_a_doc_id_whose_text_changed_between_runs_is_refused(tmp_path):
    """The corpus is append-only: the same doc_id with another text on a rerun is an error, not a silent overwrite."""
    from pipeline.execution.batch import run_batch

    def trivial(chunk):
        return [(a, {"doc_id": a.doc_id, "published": None, "lines": [], "mentions": []}) for a in chunk]

    out = tmp_path / "records.jsonl"
    run_batch(read_jsonl(feed(tmp_path, {"doc_id": "a", "text": TEXT})), out, trivial)
    before = out.read_bytes()
    with pytest.raises(InputError, match="text of a changed"):
        run_batch(read_jsonl(feed(tmp_path, {"doc_id": "a", "text": TEXT + " Updated."})), out, trivial)
    assert out.read_bytes() == before
    count("metadata.inputs")
    count("metadata.clear_errors")


def test_manifest_file_fields_cannot_leave_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (corpus / "link.txt").symlink_to(tmp_path / "secret.txt")
    for file, needle in [("../secret.txt", "outside"), ("/etc/hostname", "outside"), ("link.txt", "outside"),
                         (5, "file must be a string"), ("missing.txt", "not found")]:
        (corpus / "manifest.jsonl").write_text(json.dumps({"doc_id": "a", "file": file}) + "\n", encoding="utf-8")
        with pytest.raises(InputError) as err:
            list(read_directory(corpus))
        assert needle in str(err.value) and str(corpus) in str(err.value)
        count("metadata.inputs")
        count("metadata.clear_errors")


@pytest.mark.parametrize("value", BAD_DATES + [2024, 20240501, ["2024"]])
@pytest.mark.parametrize("key", ["published", "retrieved"])
def test_impossible_or_malformed_dates_are_refused(tmp_path, key, value):
    if isinstance(value, str) and not value.strip():
        (art,) = read_jsonl(feed(tmp_path, {"doc_id": "a", "text": TEXT, key: value}))
        assert art.meta[key] is None                         # blank means "not given"
        return
    path = feed(tmp_path, {"doc_id": "a", "text": TEXT, key: value})
    refused(path, f"{path}:1", f"{key} {value!r} is not a valid ISO date")


@pytest.mark.parametrize("value", GOOD_DATES)
def test_valid_dates_give_schema_valid_records(nlp, tmp_path, value):
    (art,) = read_jsonl(feed(tmp_path, {"doc_id": "a", "text": TEXT, "published": value}))
    assert art.meta["published"] == value.strip()
    rec = record_of(nlp, art.text, art.meta, area="metadata")
    assert rec["published"] == value.strip()
    assert_ok(rec, art.text)


@pytest.mark.parametrize("published,retrieved,ok", [
    ("2024-05-02", "2024-05-01", False), ("2025", "2024-12-31", False), ("2024-06", "2024-05-31", False),
    ("2024-05", "2024-05-01", True), ("2024", "2024-01-01", True), ("2024-05-01", "2024-05-01", True),
    ("2023-12-31", "2024-01-01", True), ("2999-01-01", None, True),
])
def test_published_after_retrieved(tmp_path, published, retrieved, ok):
    path = feed(tmp_path, {"doc_id": "a", "text": TEXT, "published": published, "retrieved": retrieved})
    if ok:
        assert len(list(read_inputs([path]))) == 1            # the clock is never read: 2999 is only a date
    else:
        refused(path, f"{path}:1", "is after retrieved")


def test_cli_refuses_an_impossible_published_date(tmp_path):
    from pipeline.cli import app

    src = tmp_path / "a.txt"
    src.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["run", str(src), "--published", "2024-02-30", "--out", str(out)])
    assert result.exit_code == 2 and "published '2024-02-30' is not a valid ISO date" in result.output
    assert str(src) in result.output and not out.exists()
    result = CliRunner().invoke(app, ["run", str(src), "--published", "2024-05-02", "--retrieved", "2024-05-01", "--out", str(out)])
    assert result.exit_code == 2 and "after retrieved" in result.output and not out.exists()
    count("metadata.inputs", 2)
    count("metadata.clear_errors", 2)


def test_text_file_metadata_comes_from_the_command_line(tmp_path):
    src = tmp_path / "2024-05-01 Xinhua report.txt"
    src.write_text(TEXT, encoding="utf-8")
    (art,) = read_text_file(src, "2024-05-01", retrieved="2024-06-01")
    assert art.doc_id == "2024-05-01_Xinhua_report" and art.meta["published"] == "2024-05-01"
