"""JSON Schema of the record (shipped in the package), its validator, and the fast written-out
checks the database loader and the DataFrame builder apply to every record (``record_problems``)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "record.schema.json"
MAX_OFFSET = 2 ** 31 - 1    # offsets are INTEGER columns in the database


@lru_cache(maxsize=1)
def validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def errors(record: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path)) or '<record>'}: {e.message}" for e in validator().iter_errors(record)]


@lru_cache(maxsize=1)
def schema_enums() -> dict[str, Any]:
    """Enumerations and the published pattern, read from the shipped JSON Schema (no drift)."""
    import re

    props = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"]
    mention = props["mentions"]["items"]
    then = {c["if"]["properties"]["type"]["const"]: c["then"]["properties"] for c in mention["allOf"]}
    return {
        "published": re.compile(props["published"]["pattern"]),
        "published_basis": set(props["published_basis"]["enum"]),
        "line_kind": set(props["lines"]["items"]["properties"]["kind"]["enum"]),
        "type": set(mention["properties"]["type"]["enum"]),
        "bound": set(then["QUANTITY"]["bound"]["enum"]),
        "change": set(then["QUANTITY"]["change"]["enum"]),
        "timex_type": set(then["DATE"]["timex_type"]["enum"]),
        "prog_kind": set(then["PROGRAMME"]["kind"]["enum"]),
    }


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _in(v: Any, allowed: set) -> bool:
    try:
        return v in allowed
    except TypeError:       # unhashable (a list or object where a string belongs)
        return False


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def record_problems(record: Any) -> list[str]:
    """Problems with one record (empty when it can be loaded).

    The checks of ``pipeline/io/schemas/record.schema.json`` (required fields, types, enums,
    the ``published`` pattern), written out because jsonschema costs ~5 ms a record, plus
    offsets (``end >= start``, ``len(text) == end - start``). tests/test_db.py checks
    that this agrees with the JSON Schema validator.
    """
    if not isinstance(record, dict):
        return [f"not a JSON object but {type(record).__name__}"]
    enum = schema_enums()
    p: list[str] = []
    if "\\u0000" in json.dumps(record) and _has_nul(record):
        p.append("a string holds a NUL character (U+0000), which PostgreSQL text cannot store")
    for key in ("doc_id", "published", "lines", "mentions"):
        if key not in record:
            p.append(f"<record>: {key!r} is a required property")
    if p:
        return p
    if not _is_str(record["doc_id"]) or not record["doc_id"]:
        p.append(f"doc_id: {record['doc_id']!r} is not a non-empty string")
    pub = record["published"]
    if pub is not None and not (_is_str(pub) and enum["published"].search(pub)):
        p.append(f"published: {pub!r} is not null or YYYY[-MM[-DD]]")
    if not _in(record.get("published_basis"), enum["published_basis"]):
        p.append(f"published_basis: {record.get('published_basis')!r} is not one of {sorted(map(str, enum['published_basis']))}")
    for key in ("pipeline_version", "input_title", "url", "retrieved", "content_sha256"):
        if key in record and not _is_str(record[key]) and not (key != "pipeline_version" and record[key] is None):
            p.append(f"{key}: {record[key]!r} is not a string")
    flags = record.get("flags", [])
    if not isinstance(flags, list) or not all(_is_str(f) for f in flags):
        p.append(f"flags: {flags!r} is not a list of strings")
    if not isinstance(record["lines"], list):
        p.append("lines: not a list")
    else:
        for i, ln in enumerate(record["lines"]):
            if not isinstance(ln, dict) or any(k not in ln for k in ("start", "end", "kind")):
                p.append(f"lines/{i}: needs start, end and kind")
            elif not (_is_int(ln["start"]) and _is_int(ln["end"]) and 0 <= ln["start"] <= ln["end"] <= MAX_OFFSET):
                p.append(f"lines/{i}: start {ln['start']!r} / end {ln['end']!r} are not offsets with 0 <= start <= end")
            elif not _in(ln["kind"], enum["line_kind"]):
                p.append(f"lines/{i}: kind {ln['kind']!r} is not one of {sorted(enum['line_kind'])}")
            elif ln.get("rule") is not None and not _is_str(ln["rule"]):
                p.append(f"lines/{i}: rule {ln['rule']!r} is not a string")
    if not isinstance(record["mentions"], list):
        p.append("mentions: not a list")
        return p
    for i, m in enumerate(record["mentions"]):
        where = f"mentions/{i}"
        if not isinstance(m, dict) or any(k not in m for k in ("type", "start", "end", "text")):
            p.append(f"{where}: needs type, start, end and text")
            continue
        t = m["type"]
        if not _in(t, enum["type"]):
            p.append(f"{where}: type {t!r} is not one of {sorted(enum['type'])}")
            continue
        if not (_is_int(m["start"]) and _is_int(m["end"]) and 0 <= m["start"] < m["end"] <= MAX_OFFSET):
            p.append(f"{where}: start {m['start']!r} / end {m['end']!r} are not offsets with 0 <= start < end")
        elif not (_is_str(m["text"]) and len(m["text"]) == m["end"] - m["start"]):
            p.append(f"{where}: text {m['text']!r} does not span start {m['start']} to end {m['end']}")
        if "rule" in m and not _is_str(m["rule"]):
            p.append(f"{where}: rule {m['rule']!r} is not a string")
        if "confidence" in m and m["confidence"] is not None and not _is_num(m["confidence"]):
            p.append(f"{where}: confidence {m['confidence']!r} is not a number")
        if t == "QUANTITY":
            missing = [k for k in ("value", "unit", "bound", "change") if k not in m]
            if missing:
                p.append(f"{where}: QUANTITY needs {missing}")
                continue
            for k in ("value", "si_value"):
                if m.get(k) is not None and not _is_num(m[k]):
                    p.append(f"{where}: {k} {m[k]!r} is not a number")
            for k in ("unit", "si_unit", "item"):
                if m.get(k) is not None and not _is_str(m[k]):
                    p.append(f"{where}: {k} {m[k]!r} is not a string")
            if not _in(m["bound"], enum["bound"]):
                p.append(f"{where}: bound {m['bound']!r} is not one of {sorted(enum['bound'])}")
            if not _in(m["change"], enum["change"]):
                p.append(f"{where}: change {m['change']!r} is not one of {sorted(map(str, enum['change']))}")
        elif t == "DATE":
            if not _in(m.get("timex_type"), enum["timex_type"]):
                p.append(f"{where}: timex_type {m.get('timex_type')!r} is not one of {sorted(enum['timex_type'])}")
            if not (_is_str(m.get("value")) and m["value"]):
                p.append(f"{where}: DATE value {m.get('value')!r} is not a non-empty string")
            if "underspecified" in m and not isinstance(m["underspecified"], bool):
                p.append(f"{where}: underspecified {m['underspecified']!r} is not a boolean")
        else:
            if not (_is_str(m.get("canonical")) and m["canonical"]):
                p.append(f"{where}: {t} canonical {m.get('canonical')!r} is not a non-empty string")
            if t == "PROGRAMME" and "kind" in m and not _in(m["kind"], enum["prog_kind"]):
                p.append(f"{where}: kind {m['kind']!r} is not one of {sorted(map(str, enum['prog_kind']))}")
    return p
