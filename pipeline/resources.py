"""Loading of headed data files under ``pipeline/stages/<stage>/resources/``.

Every resource is JSONL whose first line is a header object
``{"_meta": {"purpose": ..., "format": ..., "source": ..., "read_by": ...}}``; the loader
refuses a file without it, so rules and lexicons always say what they are and who reads them.

Three ways to read (issue 19, "one source of truth per stage"):

- ``load_rows(stage, name)``: every row of a flat file (rules, units, aliases ...).
- ``load_groups(stage, name, key, known)``: a file of named lists (rows carry a group
  field such as ``"list": "month"``); a row whose group the reader does not know fails
  at load time with file and line, never a silent default.
- ``check_values(stage, name, field, known)``: the values of one field must come from a
  closed set the code handles (a rule's handler, a relative word's offset name ...).

The loader remembers which files and groups were read (``reads()``: a group counts as read
when the reader looks it up in the mapping ``load_groups`` returns, not merely when it names
it as known) and which closed sets the code declared (``checks()``), so
tests/test_resources.py can show that no data file or list lies unread and that every
rule names a handler the code has.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, ItemsView, ValuesView
from functools import lru_cache
from pathlib import Path
from typing import Any

STAGES_DIR = Path(__file__).resolve().parent / "stages"
REQUIRED_META = ("purpose", "format", "source")

Row = dict[str, Any]
# (stage, name) -> the groups a reader looked up through load_groups, or {"*"} when the whole file was read
_READS: dict[tuple[str, str], set[str]] = {}
# (stage, name) -> the row field that names a row's group, for files read through load_groups
_GROUP_KEYS: dict[tuple[str, str], str] = {}
# (stage, name) -> {field: the closed set of values the code declared through check_values}
_CHECKS: dict[tuple[str, str], dict[str, frozenset[str]]] = {}


class ResourceError(ValueError):
    pass


def resource_path(stage: str, name: str) -> Path:
    """Where a stage keeps its data file: beside the stage's code, in ``stages/<stage>/resources/``."""
    return STAGES_DIR / stage / "resources" / f"{name}.jsonl"


@lru_cache(maxsize=None)
def _numbered_rows(stage: str, name: str) -> tuple[dict[str, Any], tuple[tuple[int, Row], ...]]:
    path = resource_path(stage, name)
    meta: dict[str, Any] = {}
    rows: list[tuple[int, Row]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ResourceError(f"{path}:{lineno}: not JSON: {exc}") from exc
            if lineno == 1:
                header = obj.get("_meta") if isinstance(obj, dict) else None
                if not isinstance(header, dict) or any(k not in header for k in REQUIRED_META):
                    raise ResourceError(f"{path}: first line must be a _meta header with {REQUIRED_META}")
                meta = header
                continue
            if not isinstance(obj, dict):
                raise ResourceError(f"{path}:{lineno}: a row must be a JSON object")
            rows.append((lineno, obj))
    return meta, tuple(rows)


def meta(stage: str, name: str) -> dict[str, Any]:
    """The file's ``_meta`` header."""
    return _numbered_rows(stage, name)[0]


@lru_cache(maxsize=None)
def load_rows(stage: str, name: str) -> tuple[Row, ...]:
    """Rows of ``stages/<stage>/resources/<name>.jsonl`` without the header (cached, read-only)."""
    _READS.setdefault((stage, name), set()).add("*")
    return tuple(row for _, row in _numbered_rows(stage, name)[1])


class _TrackedGroups(dict[str, tuple[Row, ...]]):
    """The mapping ``load_groups`` returns: records each group the reader looks up (by key,
    ``get``, or by walking all groups), so a list that is loaded but never used shows as unread."""

    def __init__(self, groups: dict[str, tuple[Row, ...]], seen: set[str]) -> None:
        super().__init__(groups)
        self._seen = seen

    def __getitem__(self, group: str) -> tuple[Row, ...]:
        self._seen.add(group)
        return super().__getitem__(group)

    def get(self, group: str, default: Any = None) -> Any:
        self._seen.add(group)
        return super().get(group, default)

    def __iter__(self) -> Iterator[str]:
        self._seen.update(super().keys())
        return super().__iter__()

    # typed as the abstract views: dict's own return types (dict_items, dict_values) are private
    def items(self) -> ItemsView[str, tuple[Row, ...]]:  # type: ignore[override]
        self._seen.update(super().keys())
        return super().items()

    def values(self) -> ValuesView[tuple[Row, ...]]:  # type: ignore[override]
        self._seen.update(super().keys())
        return super().values()


def load_groups(stage: str, name: str, key: str, known: Iterable[str]) -> dict[str, tuple[Row, ...]]:
    """Rows grouped by ``row[key]``; a group outside ``known`` fails with the file and line.

    The returned mapping records which groups the reader looks up (``reads()``)."""
    known_set = set(known)
    path = resource_path(stage, name)
    groups: dict[str, list[Row]] = {k: [] for k in known_set}
    for lineno, row in _numbered_rows(stage, name)[1]:
        group = row.get(key)
        if group not in known_set:
            raise ResourceError(f"{path}:{lineno}: unknown {key} {group!r} (the reader knows {sorted(known_set)})")
        groups[group].append(row)
    _GROUP_KEYS[(stage, name)] = key
    return _TrackedGroups({k: tuple(v) for k, v in groups.items()}, _READS.setdefault((stage, name), set()))


def check_values(stage: str, name: str, field: str, known: Iterable[str], *, optional: bool = False) -> None:
    """Fail at load time, naming file and line, when a row's ``field`` is not one the code handles."""
    known_set = set(known)
    path = resource_path(stage, name)
    _CHECKS.setdefault((stage, name), {})[field] = frozenset(known_set)
    for lineno, row in _numbered_rows(stage, name)[1]:
        if field not in row:
            if optional:
                continue
            raise ResourceError(f"{path}:{lineno}: missing {field!r}")
        values = row[field] if isinstance(row[field], list) else [row[field]]
        for value in values:
            if value not in known_set:
                raise ResourceError(f"{path}:{lineno}: unknown {field} {value!r} (known: {sorted(known_set)})")


def reads() -> dict[tuple[str, str], frozenset[str]]:
    """Which files (and which of their groups) have been read in this process."""
    return {k: frozenset(v) for k, v in _READS.items()}


def group_key(stage: str, name: str) -> str | None:
    """The row field that names the groups of a file read through ``load_groups`` (None if never so read)."""
    return _GROUP_KEYS.get((stage, name))


def checks() -> dict[tuple[str, str], dict[str, frozenset[str]]]:
    """The closed sets the code declared through ``check_values`` in this process: (stage, name) -> field -> values."""
    return {k: dict(v) for k, v in _CHECKS.items()}


def all_resource_files() -> list[Path]:
    """Every headed data file of every stage (``stages/<stage>/resources/*.jsonl``)."""
    return sorted(STAGES_DIR.glob("*/resources/*.jsonl"))
