"""JSON Schema of the record (shipped in the package) and its validator."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "record.schema.json"


@lru_cache(maxsize=1)
def validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def errors(record: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path)) or '<record>'}: {e.message}" for e in validator().iter_errors(record)]
