"""One parametrised runner for every stage case file (tests/cases/<stage>/*.jsonl).

Each case expects exactly the listed mentions of its types; failures say what went wrong:
nothing found, a missing or extra mention, or a wrong attribute. Known gaps carry
``xfail`` with their reason in the case file.
"""
from __future__ import annotations

import json
import math

import pytest
from case_files import load_cases

STAGE_TYPES = {"quantities": ["QUANTITY"], "dates": ["DATE"], "names": ["AGENCY", "PROGRAMME"]}


def _locate(text: str, needle: str, nth: int) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            raise AssertionError(f"case error: {needle!r} (nth={nth}) not in case text")
    return pos


_CONFIGURED: dict[str, object] = {}


def _pipeline_for(nlp, case: dict):
    """The session pipeline, or one built with the case's ``config`` overrides (a case of an optional
    component, e.g. the names NER that is off by default), built once per distinct override set."""
    overrides = case.get("config")
    if not overrides:
        return nlp
    key = json.dumps(overrides, sort_keys=True)
    if key not in _CONFIGURED:
        from pipeline.nlp import build

        _CONFIGURED[key] = build(overrides=overrides)
    return _CONFIGURED[key]


def _run(nlp, case: dict) -> dict:
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    nlp = _pipeline_for(nlp, case)

    meta = {"doc_id": "case", "published": case.get("published"), "retrieved": case.get("retrieved"),
            "url": case.get("url")}
    if case.get("jurisdiction"):
        meta["jurisdiction"] = case["jurisdiction"]        # input metadata, as a manifest would give it (guide v1.2)
    return to_record(nlp(make_doc(nlp, case["text"], meta)))


def _check_mentions(case: dict, record: dict, types: list[str]) -> None:
    got = [m for m in record["mentions"] if m["type"] in types]
    problems = []
    expected = []
    for exp in case["expected"]:
        start = _locate(case["text"], exp["text"], exp.get("nth", 0))
        expected.append((start, start + len(exp["text"]), exp))
    got_by_span = {(m["start"], m["end"], m["type"]): m for m in got}
    for start, end, exp in expected:
        m = got_by_span.pop((start, end, exp["type"]), None)
        if m is None:
            near = [g["text"] for g in got if g["start"] < end and start < g["end"]]
            problems.append(f"missing {exp['type']} {exp['text']!r}" + (f" (found partial/other span {near})" if near else ""))
            continue
        for key, want in exp.items():
            if key in ("type", "text", "nth", "canonical"):
                continue
            have = m.get(key)
            if key == "value" and exp["type"] == "QUANTITY" and want is not None and have is not None:
                ok = math.isclose(float(have), float(want), rel_tol=1e-3)
            else:
                ok = have == want
            if not ok:
                problems.append(f"{exp['type']} {exp['text']!r}: {key} is {have!r}, expected {want!r}")
    for m in got_by_span.values():
        problems.append(f"extra {m['type']} {m['text']!r}")
    if not case["expected"] and got:
        problems.insert(0, "expected nothing")
    assert not problems, f"{case['text']!r}\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", load_cases("quantities"))
def test_quantities_case(nlp, case):
    _check_mentions(case, _run(nlp, case), case.get("types", STAGE_TYPES["quantities"]))


@pytest.mark.parametrize("case", load_cases("dates"))
def test_dates_case(nlp, case):
    _check_mentions(case, _run(nlp, case), case.get("types", STAGE_TYPES["dates"]))


@pytest.mark.parametrize("case", load_cases("names"))
def test_names_case(nlp, case):
    _check_mentions(case, _run(nlp, case), case.get("types", STAGE_TYPES["names"]))


@pytest.mark.parametrize("case", load_cases("segment"))
def test_segment_case(nlp, case):
    record = _run(nlp, case)
    starts = []
    pos = 0
    for line in case["text"].split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    got = {starts.index(ln["start"]): ln["kind"] for ln in record["lines"]}
    want = {e["line"]: e["kind"] for e in case["expected"] if "line" in e}
    assert got == want, f"line kinds: got {got}, expected {want}"
    if "published" in case.get("expect_published", {}):
        assert record["published"] == case["expect_published"]["published"]
    for key in ("published", "published_basis"):
        for e in case["expected"]:
            if key in e:
                assert record[key] == e[key], f"{key}: got {record[key]!r}, expected {e[key]!r}"


def test_names_canonical_groups(nlp):
    """Within a paraphrase/alias group, all mentions share one canonical key."""
    groups: dict[str, set] = {}
    for param in load_cases("names"):
        case = param.values[0]
        if not case.get("group") or case.get("xfail"):
            continue
        record = _run(nlp, case)
        keys = {m["canonical"] for m in record["mentions"] if m["type"] in ("AGENCY", "PROGRAMME")}
        groups.setdefault(case["group"], set()).update(keys)
    split = {g: k for g, k in groups.items() if len(k) > 1}
    assert not split, f"alias groups with more than one key: {split}"
