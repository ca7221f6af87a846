"""Loading of headed data files under ``pipeline/stages/<stage>/resources/``.

Every resource is JSONL whose first line is a header object
``{"_meta": {"purpose": ..., "format": ..., "source": ...}}``; the loader refuses a
file without it, so rules and lexicons always say what they are.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

STAGES_DIR = Path(__file__).resolve().parent / "stages"
REQUIRED_META = ("purpose", "format", "source")


class ResourceError(ValueError):
    pass


@lru_cache(maxsize=None)
def load_rows(stage: str, name: str) -> tuple[dict[str, Any], ...]:
    """Rows of ``stages/<stage>/resources/<name>.jsonl`` without the header (cached, read-only)."""
    path = resource_path(stage, name)
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ResourceError(f"{path}:{lineno}: not JSON: {exc}") from exc
            if lineno == 1:
                meta = obj.get("_meta") if isinstance(obj, dict) else None
                if not meta or any(k not in meta for k in REQUIRED_META):
                    raise ResourceError(f"{path}: first line must be a _meta header with {REQUIRED_META}")
                continue
            rows.append(obj)
    return tuple(rows)


def resource_path(stage: str, name: str) -> Path:
    """Where a stage keeps its data file: beside the stage's code, in ``stages/<stage>/resources/``."""
    return STAGES_DIR / stage / "resources" / f"{name}.jsonl"


def all_resource_files() -> list[Path]:
    return sorted(STAGES_DIR.glob("*/resources/*.jsonl"))
