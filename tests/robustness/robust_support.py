"""Shared helpers of the robustness suite (no fixtures: those live in tests/conftest.py).

* ``record_of(nlp, text, meta)``: the pipeline record of one text, as ``govnews run`` makes it.
* ``problems(record, raw)``: every invariant a record must keep, as a list of readable strings
  (empty = fine): schema, ``text == raw[start:end]``, one line that is not metadata or
  boilerplate, the guide's vocabularies, JSON without NaN/Infinity.
* ``LEDGER``: what the suite tried, per area (``files.inputs``, ``faults.faults``, ...), for the
  table in docs/robustness.md. Set ``GOVNEWS_ROBUSTNESS_LEDGER=path.json`` to have the counts
  written when the run ends.
* ``opt_in(request, marker)``: long tests run only when their marker is selected with ``-m``.
"""
from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from typing import Any

import pytest

BOUNDS = {"=", ">", ">=", "<", "<=", "~"}
CHANGES = {"increase", "decrease", None}
TIMEX_TYPES = {"DATE", "DURATION", "SET", "TIME"}
EXCLUDED = {"metadata", "boilerplate"}

# <area>.inputs: inputs tried; .faults: faults injected; .records_in / .records_out / .errors:
# articles given to a batch, records written, articles reported as failed with the reason;
# .clear_errors: inputs refused with an InputError naming the file/line; .crashes: anything
# else that escaped (the test fails too). Records lost = records_in - records_out - errors.
LEDGER: Counter = Counter()


def table() -> dict[str, dict[str, int]]:
    areas: dict[str, dict[str, int]] = {}
    for key, n in LEDGER.items():
        area, _, what = key.partition(".")
        areas.setdefault(area, {})[what] = n
    for row in areas.values():
        row["records_lost"] = row.get("records_in", 0) - row.get("records_out", 0) - row.get("errors", 0)
    return dict(sorted(areas.items()))


def _dump_ledger() -> None:
    path = os.environ.get("GOVNEWS_ROBUSTNESS_LEDGER")
    if path and LEDGER:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(table(), fh, indent=1, sort_keys=True)


atexit.register(_dump_ledger)


def count(category: str, n: int = 1) -> None:
    LEDGER[category] += n


def opt_in(request, marker: str) -> None:
    """Skip a long test unless ``-m`` names its marker (``-m slow``, ``-m fuzz``)."""
    expr = request.config.getoption("markexpr") or ""
    if marker not in expr and not os.environ.get("GOVNEWS_ROBUSTNESS_LONG"):
        pytest.skip(f"long run: select it with -m {marker} (or GOVNEWS_ROBUSTNESS_LONG=1)")


def record_of(nlp, text: str, meta: dict[str, Any] | None = None, area: str = "pipeline") -> dict[str, Any]:
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    meta = {"doc_id": "robust", **(meta or {})}
    count(f"{area}.inputs")
    try:
        rec = to_record(nlp(make_doc(nlp, text, meta)))
    except Exception:
        count(f"{area}.crashes")
        raise
    return rec


def line_of(raw: str, pos: int) -> tuple[int, int]:
    start = raw.rfind("\n", 0, pos) + 1
    end = raw.find("\n", pos)
    return start, (len(raw) if end < 0 else end)


def problems(record: dict[str, Any], raw: str) -> list[str]:
    from pipeline.io.schema import errors

    out = [f"schema: {e}" for e in errors(record)]
    try:
        json.dumps(record, allow_nan=False, ensure_ascii=False)
    except ValueError as exc:
        out.append(f"not valid JSON: {exc}")
    kinds = {(ln["start"], ln["end"]): ln["kind"] for ln in record["lines"]}
    for ln in record["lines"]:
        if line_of(raw, ln["start"]) != (ln["start"], ln["end"]):
            out.append(f"line {ln} is not one line of the raw text")
    for m in record["mentions"]:
        s, e, text = m["start"], m["end"], m["text"]
        where = f"{m['type']} {text!r} at {s}:{e}"
        if not (0 <= s < e <= len(raw)) or raw[s:e] != text:
            out.append(f"{where}: text != raw[start:end] ({raw[max(0, s):e]!r})")
            continue
        if "\n" in text:
            out.append(f"{where}: crosses a line break")
        if text != text.strip():
            out.append(f"{where}: starts or ends with whitespace")
        line = line_of(raw, s)
        if kinds.get(line, "body") in EXCLUDED:
            out.append(f"{where}: inside a {kinds[line]} line")
        if m["type"] == "QUANTITY":
            if m.get("bound") not in BOUNDS:
                out.append(f"{where}: bound {m.get('bound')!r}")
            if m.get("change") not in CHANGES:
                out.append(f"{where}: change {m.get('change')!r}")
        elif m["type"] == "DATE":
            if m.get("timex_type") not in TIMEX_TYPES:
                out.append(f"{where}: timex_type {m.get('timex_type')!r}")
    return out


def assert_ok(record: dict[str, Any], raw: str) -> None:
    bad = problems(record, raw)
    assert not bad, "\n".join(bad[:20])


def mention(record: dict[str, Any], text: str, mtype: str | None = None) -> dict[str, Any] | None:
    return next((m for m in record["mentions"] if m["text"] == text and (mtype is None or m["type"] == mtype)), None)
