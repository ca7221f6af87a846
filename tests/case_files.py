"""Loading of the case files under tests/cases/<stage>/*.jsonl as pytest parameters (shared by
tests/test_cases.py and tests/test_published.py): the ``_meta`` header is skipped, a case with
``xfail`` becomes a strict xfail with that reason, ids read ``<file stem>:<case id>``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CASES = Path(__file__).resolve().parent / "cases"


def load_cases(stage: str) -> list[Any]:
    params = []
    for path in sorted((CASES / stage).glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            case = json.loads(line)
            if "_meta" in case:
                continue
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
            params.append(pytest.param(case, id=f"{path.stem}:{case.get('id', lineno)}", marks=marks))
    return params
