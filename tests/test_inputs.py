"""Bad input gets a clear error naming the file (and line) and the problem, and no output."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.io.inputs import InputError, decode_bytes, read_inputs


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"   \n\t\n", "empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"caf\xc3", "not valid UTF-8"),
    ("中文".encode("gb18030") + b" text", "GB18030"),
    ("text".encode("utf-16"), "UTF-16"),
])
def test_inputs_bad_bytes_named(data, needle):
    with pytest.raises(InputError) as err:
        decode_bytes(data, "corpus/x.txt")
    assert "corpus/x.txt" in str(err.value) and needle in str(err.value)


@pytest.mark.parametrize("line,needle", [
    ("{not json", "malformed JSON"),
    ('{"text": "a"}', "missing doc_id"),
    ('{"doc_id": "a", "text": ""}', "missing or empty text"),
    ('{"doc_id": "../etc/passwd", "text": "x"}', "characters outside"),
    ('{"doc_id": "a", "text": "x", "published": "2024-02-30"}', "not a valid ISO date"),
    ('{"doc_id": "a", "text": "x", "published": "2024-05-01", "retrieved": "2024-04-01"}', "after retrieved"),
])
def test_inputs_bad_jsonl_lines_named(tmp_path, line, needle):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"doc_id": "ok", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_inputs([path]))
    assert f"{path}:2" in str(err.value) and needle in str(err.value)


def test_inputs_duplicate_doc_id(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"doc_id": "a", "text": "x"}\n{"doc_id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="duplicate doc_id"):
        list(read_inputs([path]))


def test_inputs_missing_published_is_recorded_not_filled(nlp):
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    rec = to_record(nlp(make_doc(nlp, "Last year the city planted 20,000 mu of forest.", {"doc_id": "nopub"})))
    assert rec["published"] is None and "published-missing" in rec["flags"]
    date = next(m for m in rec["mentions"] if m["type"] == "DATE")
    assert date["value"] == "XXXX" and date.get("underspecified")


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00\x00bad", b"caf\xc3"])
def test_inputs_cli_fails_cleanly_without_partial_output(tmp_path, content):
    src = tmp_path / "bad.txt"
    src.write_bytes(content)
    out = tmp_path / "out" / "records.jsonl"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(src), "--published", "2024-05", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "bad.txt" in proc.stderr
    assert not out.exists()


def test_inputs_command_line_dates_are_defaults_with_their_basis(tmp_path):
    """--published on a .txt is a default (basis command-line), not metadata the input carried (issue 18)."""
    from pipeline.io.inputs import check_date_options, read_text_file

    path = tmp_path / "a.txt"
    path.write_text("The city closed 20 coal boilers this year.", encoding="utf-8")
    (art,) = read_text_file(path, "2024-05")
    assert (art.meta["published"], art.meta["published_basis"]) == ("2024-05", "command-line")
    assert check_date_options(" 2024-05-01 ", None) == ("2024-05-01", None)
    with pytest.raises(InputError, match="after retrieved"):
        check_date_options("2024-05-02", "2024-05-01", "feed.jsonl")
    with pytest.raises(InputError, match="feed.jsonl: published '2024-02-30' is not a valid ISO date"):
        check_date_options("2024-02-30", None, "feed.jsonl")
