"""mypy over pipeline/ in CI (issue 19 point 5): every function typed, no type errors.

Runs with the [tool.mypy] settings of pyproject.toml plus ``--disallow-untyped-defs``; on failure the
errors are printed, counted per module. mypy keeps its cache in .mypy_cache/ (which it marks ignored for
git): a cold run analyses spaCy, torch and pandas too and takes about two minutes, a warm one seconds.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_pipeline_is_fully_typed_and_type_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is in the [test] extras of pyproject.toml")
    monkeypatch.chdir(REPO)               # paths in the config and in the report are relative to the repository
    stdout, stderr, status = api.run([
        "--config-file", str(REPO / "pyproject.toml"),
        "--disallow-untyped-defs",
        "--no-error-summary",
        "pipeline",
    ])
    errors = [line for line in stdout.splitlines() if re.match(r"^[^:]+:\d+: error:", line)]
    per_module = Counter(line.split(":", 1)[0] for line in errors)
    summary = "\n".join(f"  {n:4d}  {module}" for module, n in per_module.most_common())
    assert status == 0 and not errors, (
        f"mypy found {len(errors)} errors in {len(per_module)} modules:\n{summary}\n\n" + stdout + stderr)
