"""govnews records as pandas DataFrames: ``frames(records)``, ``frames_from_file``, ``frames_from_db``.

All three return the same dict of DataFrames (same columns, dtypes and row order) for the
same records, so an analysis can start from the JSONL output or from the database::

    articles   doc_id, title, url, published, published_year, published_basis, retrieved,
               pipeline_version, content_sha256, flags
    lines      doc_id, seq, start, end, kind, rule
    mentions   mention_id, doc_id, seq, type, start, end, text, rule, confidence, canonical, kind
    quantities mention_id, doc_id, value, unit, si_value, si_unit, bound, change, item
    dates      mention_id, doc_id, timex_type, value, anchor, anchor_granularity, underspecified
    entities   type, canonical, label, aliases, mentions, articles

Dtypes: nullable ``Int64`` for offsets/counts, ``Float64`` for numbers, ``string`` for
text, ``category`` for closed vocabularies (type, kind, unit, si_unit, bound, change,
timex_type, published_basis), ``boolean`` for underspecified; ``flags`` and ``aliases``
are lists of strings. ``published`` stays a partial-ISO string (``2024``, ``2024-09`` or
``2024-09-05``: the precision varies, so one datetime/Period dtype would invent days or
mix frequencies); ``published_year`` (Int64) is derived from it for grouping.

Rows are sorted by doc_id (code-point order), then by position in the record; when
records repeat a doc_id the last one wins, as in the database. ``quantities`` and
``dates`` carry ``doc_id`` (a join through ``mentions`` in the database) for convenience.

pandas is imported lazily, so ``import pipeline`` stays light.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

COLUMNS: dict[str, dict[str, str]] = {
    "articles": {"doc_id": "string", "title": "string", "url": "string", "published": "string",
                 "published_year": "Int64", "published_basis": "category", "retrieved": "string",
                 "pipeline_version": "string", "content_sha256": "string", "flags": "list",
                 "byline": "string", "source": "string", "dateline_place": "string", "jurisdiction": "string"},
    "lines": {"doc_id": "string", "seq": "Int64", "start": "Int64", "end": "Int64", "kind": "category",
              "rule": "string"},
    "mentions": {"mention_id": "string", "doc_id": "string", "seq": "Int64", "type": "category",
                 "start": "Int64", "end": "Int64", "text": "string", "rule": "string", "confidence": "Float64",
                 "canonical": "string", "kind": "category"},
    "quantities": {"mention_id": "string", "doc_id": "string", "value": "Float64", "unit": "category", "per": "string",
                   "si_value": "Float64", "si_unit": "category", "bound": "category", "change": "category",
                   "item": "string"},
    "dates": {"mention_id": "string", "doc_id": "string", "timex_type": "category", "value": "string",
              "anchor": "string", "anchor_granularity": "category", "underspecified": "boolean"},
    "entities": {"type": "category", "canonical": "string", "label": "string", "aliases": "list",
                 "mentions": "Int64", "articles": "Int64"},
}


def _categories() -> dict[tuple[str, str], list[str]]:
    """Fixed category sets (from the record schema) so every frame has the same categories."""
    from pipeline.io.schema import schema_enums

    e = schema_enums()
    return {
        ("mentions", "type"): ["QUANTITY", "DATE", "AGENCY", "PROGRAMME"],
        ("entities", "type"): ["AGENCY", "PROGRAMME"],
        ("mentions", "kind"): sorted(k for k in e["prog_kind"] if k),
        ("lines", "kind"): sorted(e["line_kind"]),
        ("articles", "published_basis"): sorted(b for b in e["published_basis"] if b),
        ("quantities", "bound"): sorted(e["bound"]),
        ("quantities", "change"): sorted(c for c in e["change"] if c),
        ("dates", "timex_type"): sorted(e["timex_type"]),
        ("dates", "anchor_granularity"): ["day", "month", "year"],
    }


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)


def _frame(name: str, rows: list[dict[str, Any]] | "pd.DataFrame") -> "pd.DataFrame":
    import pandas as pd

    cols = COLUMNS[name]
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    if name == "articles":
        df["published_year"] = [int(p[:4]) if isinstance(p, str) and p[:4].isdigit() else None
                                for p in (df["published"] if "published" in df else [])]
    for col in cols:
        if col not in df:
            df[col] = pd.Series([None] * len(df), dtype="object")
    df = df[list(cols)]
    fixed = _categories()
    out = {}
    for col, dtype in cols.items():
        s = df[col]
        if dtype == "list":
            out[col] = pd.Series([_as_list(v) for v in s], dtype="object", index=df.index)
        elif dtype == "category":
            values = s.astype("object").where(s.notna(), None)
            cats = fixed.get((name, col)) or sorted({v for v in values if v is not None})
            out[col] = pd.Series(pd.Categorical(values, categories=cats), index=df.index)
        elif dtype == "boolean":
            out[col] = s.astype("object").where(s.notna(), None).map(lambda v: None if v is None else bool(v)).astype("boolean")
        elif dtype == "Int64":
            out[col] = pd.array(s.astype("object").where(s.notna(), None).tolist(), dtype="Int64")
        elif dtype == "Float64":
            out[col] = pd.array([None if v is None else float(v)
                                 for v in s.astype("object").where(s.notna(), None)], dtype="Float64")
        else:
            out[col] = s.astype("object").where(s.notna(), None).astype("string")
    return pd.DataFrame(out, index=df.index)


def _finish(tables: dict[str, "pd.DataFrame"]) -> dict[str, "pd.DataFrame"]:
    """Sort every frame into the canonical order and reset the index."""
    a = tables["articles"].sort_values("doc_id", kind="stable")
    ln = tables["lines"].sort_values(["doc_id", "seq"], kind="stable")
    m = tables["mentions"].sort_values(["doc_id", "seq"], kind="stable")
    order = {mid: i for i, mid in enumerate(m["mention_id"])}

    def by_mention(df: "pd.DataFrame") -> "pd.DataFrame":
        keys = [order.get(mid, len(order)) for mid in df["mention_id"].astype("object")]
        return df.iloc[sorted(range(len(df)), key=keys.__getitem__)]

    e = tables["entities"].sort_values(["type", "canonical"], kind="stable")
    out = {"articles": a, "lines": ln, "mentions": m, "quantities": by_mention(tables["quantities"]),
           "dates": by_mention(tables["dates"]), "entities": e}
    return {k: v.reset_index(drop=True) for k, v in out.items()}


def frames(records: Iterable[dict[str, Any]]) -> dict[str, "pd.DataFrame"]:
    """DataFrames (articles, lines, mentions, quantities, dates, entities) from records.

    Records are checked like the database loader checks them (ValueError naming the doc_id).
    """
    from pipeline.io.db import entity_rows, record_rows
    from pipeline.io.schema import record_problems

    latest: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for i, record in enumerate(records):
        problems = record_problems(record)
        if problems:
            doc_id = record.get("doc_id") if isinstance(record, dict) else None
            raise ValueError(f"record {i} ({doc_id!r}): {'; '.join(problems[:3])}")
        latest[record["doc_id"]] = record_rows(record)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("articles", "lines", "mentions", "quantities", "dates")}
    for r in latest.values():
        for k in rows:
            rows[k].extend(r[k])
    doc_of = {m["id"]: m["doc_id"] for m in rows["mentions"]}
    for k in ("quantities", "dates"):
        for row in rows[k]:
            row["doc_id"] = doc_of[row["mention_id"]]
    for row in rows["mentions"]:
        row["mention_id"] = row.pop("id")
    tables = {k: _frame(k, v) for k, v in rows.items()}
    tables["entities"] = _frame("entities", entity_rows(
        {"type": m["type"], "canonical": m["canonical"], "text": m["text"], "doc_id": m["doc_id"]}
        for m in rows["mentions"]))
    return _finish(tables)


def frames_from_file(path: str | Path) -> dict[str, "pd.DataFrame"]:
    """DataFrames from a records JSONL file (``govnews run`` output)."""
    path = Path(path)
    records = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: malformed JSON ({exc.msg})") from exc
    return frames(records)


def frames_from_db(url: str) -> dict[str, "pd.DataFrame"]:
    """The same DataFrames, read from a database loaded by ``govnews load`` (checks the schema version)."""
    from sqlalchemy import select

    import pandas as pd

    from pipeline.io import db

    engine = db.make_engine(url)
    try:
        db.check_schema(engine, create=False)
        with engine.connect() as conn:
            def read(stmt: Any) -> "pd.DataFrame":
                result = conn.execute(stmt)
                return pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype="object")

            m = db.mentions
            tables = {
                "articles": read(select(db.articles)),
                "lines": read(select(db.lines)),
                "mentions": read(select(m.c.id.label("mention_id"), *[c for c in m.c if c.name != "id"])),
                "quantities": read(select(db.quantities, m.c.doc_id).join(m, m.c.id == db.quantities.c.mention_id)),
                "dates": read(select(db.dates, m.c.doc_id).join(m, m.c.id == db.dates.c.mention_id)),
                "entities": read(select(db.entities)),
            }
    finally:
        engine.dispose()
    return _finish({k: _frame(k, v) for k, v in tables.items()})
