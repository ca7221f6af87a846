"""Load govnews records into a relational database (SQLite by default, PostgreSQL in production).

SQLAlchemy Core only (no ORM), parameterised statements only. The schema is normalised
(see ``docs/database.md``)::

    schema_version (version)
    articles   (doc_id PK, title, url, published, published_basis, retrieved,
                pipeline_version, content_sha256, flags JSON)
    lines      (doc_id FK, seq, start, end, kind, rule)                  PK (doc_id, seq)
    entities   (type, canonical, label, aliases JSON, mentions, articles) PK (type, canonical)
    mentions   (id PK, doc_id FK, seq, type, start, end, text, rule, confidence,
                canonical, kind)          FK (type, canonical) -> entities for AGENCY/PROGRAMME
    quantities (mention_id PK/FK, value, unit, si_value, si_unit, bound, change, item)
    dates      (mention_id PK/FK, timex_type, value, anchor, anchor_granularity, underspecified)

Guarantees:

* **Idempotent.** A mention's id is ``"<doc_id>#<seq>"`` (its position in the record), and
  loading an article first deletes all of its rows, so loading the same records twice
  leaves the same database (row counts and content). The last load of an article wins:
  a record from a newer ``pipeline_version`` replaces the old rows.
* **One transaction per batch.** ``load_records`` validates the whole batch first (JSON
  Schema + offsets), then deletes/inserts inside one transaction; any problem rolls the
  whole batch back and raises :class:`LoadError` naming the doc_id and the problem.
* **Versioned.** ``schema_version`` holds :data:`SCHEMA_VERSION`; a database of another
  version is refused with :class:`SchemaVersionError` (no silent mixing).
"""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Double, ForeignKey, ForeignKeyConstraint, Index, Integer,
    MetaData, String, Table, Text, UniqueConstraint, bindparam, create_engine, delete, event, func,
    insert, inspect, select, update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from pipeline.io.schema import MAX_OFFSET, record_problems

SCHEMA_VERSION = 3          # 2: guide v1.2 (quantities.per; byline, source, dateline_place, jurisdiction on articles)
#                             3: dates.anchor is the anchor each DATE was resolved against (the mention's "anchor",
#                                issue 19), no longer the article's published date; dates.anchor_granularity added
# Columns each version added, in order: a database of an older version is migrated in place
# (ALTER TABLE ... ADD COLUMN, rows kept) by check_schema.
MIGRATIONS: dict[int, list[tuple[str, str, str]]] = {
    2: [("quantities", "per", "VARCHAR"), ("articles", "byline", "TEXT"), ("articles", "source", "TEXT"),
        ("articles", "dateline_place", "TEXT"), ("articles", "jurisdiction", "VARCHAR")],
    # rows of a v2 database keep their anchor (the article's published date, what v2 stored); loading the
    # records again (idempotent) replaces it by the mention's own anchor and fills the granularity
    3: [("dates", "anchor_granularity", "VARCHAR")],
}
DEFAULT_URL = "sqlite:///govnews.sqlite"
BATCH_SIZE = 500            # records per transaction in load_file
CHUNK = 500                 # values per IN (...) list
MENTION_TYPES = ("QUANTITY", "DATE", "AGENCY", "PROGRAMME")
ENTITY_TYPES = ("AGENCY", "PROGRAMME")


class LoadError(ValueError):
    """A record could not be loaded; the batch was rolled back. ``doc_id`` names the record."""

    def __init__(self, doc_id: str | None, problem: str, where: str | None = None):
        self.doc_id, self.problem = doc_id, problem
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}record {doc_id!r}: {problem} (batch rolled back)")


class SchemaVersionError(RuntimeError):
    """The database was created by another govnews schema version."""


# --------------------------------------------------------------------------- schema
metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, nullable=False),
)

articles = Table(
    "articles", metadata,
    Column("doc_id", String, primary_key=True),
    Column("title", Text),
    Column("url", Text),
    Column("published", String),            # partial ISO: YYYY, YYYY-MM or YYYY-MM-DD
    Column("published_basis", String),
    Column("retrieved", String),
    Column("pipeline_version", String),
    Column("content_sha256", String),       # sha256 of the article text (from `govnews run`)
    Column("flags", Text, nullable=False),  # JSON list of strings
    Column("byline", Text),                 # guide v1.2 article fields: the text as written, or NULL
    Column("source", Text),
    Column("dateline_place", Text),
    Column("jurisdiction", String),         # where the article reports from (code), when known
)

lines = Table(
    "lines", metadata,
    Column("doc_id", String, ForeignKey("articles.doc_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("rule", String),
)

entities = Table(
    "entities", metadata,
    Column("type", String, primary_key=True),
    Column("canonical", String, primary_key=True),
    Column("label", Text, nullable=False),          # most frequent surface form
    Column("aliases", Text, nullable=False),        # JSON list of every surface form, sorted
    Column("mentions", Integer, nullable=False),
    Column("articles", Integer, nullable=False),
    CheckConstraint("type IN ('AGENCY', 'PROGRAMME')", name="ck_entities_type"),
)

mentions = Table(
    "mentions", metadata,
    Column("id", String, primary_key=True),         # "<doc_id>#<seq>"
    Column("doc_id", String, ForeignKey("articles.doc_id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),         # position in the record's mention list
    Column("type", String, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("rule", String),
    Column("confidence", Double),
    Column("canonical", String),                    # AGENCY / PROGRAMME: the entity key
    Column("kind", String),                         # PROGRAMME: campaign, plan, law, ...
    UniqueConstraint("doc_id", "seq", name="uq_mentions_doc_seq"),
    ForeignKeyConstraint(["type", "canonical"], ["entities.type", "entities.canonical"], name="fk_mentions_entity"),
    CheckConstraint("type IN ('QUANTITY', 'DATE', 'AGENCY', 'PROGRAMME')", name="ck_mentions_type"),
    CheckConstraint("canonical IS NULL OR type IN ('AGENCY', 'PROGRAMME')", name="ck_mentions_canonical"),
    Index("ix_mentions_type", "type"),
    Index("ix_mentions_entity", "canonical", "type"),
)

quantities = Table(
    "quantities", metadata,
    Column("mention_id", String, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("value", Double),
    Column("unit", String),
    Column("per", String),                          # rate denominator (guide v1.2): d, a, person, ...
    Column("si_value", Double),
    Column("si_unit", String),
    Column("bound", String),
    Column("change", String),
    Column("item", Text),
    Index("ix_quantities_unit", "unit"),
)

dates = Table(
    "dates", metadata,
    Column("mention_id", String, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("timex_type", String, nullable=False),
    Column("value", String, nullable=False),        # TIMEX3 value: 2023-04, P1W, XXXX-FA, PRESENT_REF ...
    Column("anchor", String),                       # the anchor the value was resolved against (partial ISO), NULL if none
    Column("anchor_granularity", String),           # day / month / year: how precise that anchor was
    Column("underspecified", Boolean, nullable=False),
    Index("ix_dates_value", "value"),
)

DATA_TABLES = ("articles", "lines", "entities", "mentions", "quantities", "dates")


# --------------------------------------------------------------------------- records -> rows
def mention_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}#{seq}"


def _jsonlist(value: Any) -> str:
    return json.dumps(list(value or []), ensure_ascii=False)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _field_text(field: Any) -> str | None:
    """An article field's text: v1.2 records carry {text, start, end}; older ones a plain string."""
    if isinstance(field, dict):
        return field.get("text")
    return field if isinstance(field, str) else None


def record_rows(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One (checked) record as table rows: articles, lines, mentions, quantities, dates.

    Shared by the loader and by :mod:`pipeline.io.frames`, so both see the same data.
    """
    doc_id = record["doc_id"]
    out: dict[str, list[dict[str, Any]]] = {
        "articles": [{
            "doc_id": doc_id, "title": _field_text(record.get("title")) or record.get("input_title"),
            "url": record.get("url"), "byline": _field_text(record.get("byline")),
            "source": _field_text(record.get("source")), "dateline_place": _field_text(record.get("dateline_place")),
            "jurisdiction": (record.get("jurisdiction") or {}).get("code"),
            "published": record.get("published"), "published_basis": record.get("published_basis"),
            "retrieved": record.get("retrieved"), "pipeline_version": record.get("pipeline_version"),
            "content_sha256": record.get("content_sha256"), "flags": _jsonlist(record.get("flags")),
        }],
        "lines": [{"doc_id": doc_id, "seq": i, "start": ln["start"], "end": ln["end"], "kind": ln["kind"],
                   "rule": ln.get("rule")} for i, ln in enumerate(record["lines"])],
        "mentions": [], "quantities": [], "dates": [],
    }
    for i, m in enumerate(record["mentions"]):
        mid = mention_id(doc_id, i)
        mtype = m["type"]
        out["mentions"].append({
            "id": mid, "doc_id": doc_id, "seq": i, "type": mtype, "start": m["start"], "end": m["end"],
            "text": m["text"], "rule": m.get("rule"), "confidence": _float(m.get("confidence")),
            "canonical": m.get("canonical") if mtype in ENTITY_TYPES else None,
            "kind": m.get("kind") if mtype == "PROGRAMME" else None,
        })
        if mtype == "QUANTITY":
            out["quantities"].append({
                "mention_id": mid, "value": _float(m.get("value")), "unit": m.get("unit"), "per": m.get("per"),
                "si_value": _float(m.get("si_value")), "si_unit": m.get("si_unit"), "bound": m.get("bound"),
                "change": m.get("change"), "item": m.get("item"),
            })
        elif mtype == "DATE":
            out["dates"].append({
                "mention_id": mid, "timex_type": m["timex_type"], "value": m["value"],
                "anchor": _mention_anchor(m, record), "anchor_granularity": _granularity(_mention_anchor(m, record)),
                "underspecified": bool(m.get("underspecified", False)),
            })
    return out


def _mention_anchor(mention: dict[str, Any], record: dict[str, Any]) -> str | None:
    """The anchor a DATE was resolved against; records older than issue 19 carry none per mention, and their
    mentions were all resolved against the article's published date."""
    return mention["anchor"] if "anchor" in mention else record.get("published")


def _granularity(anchor: str | None) -> str | None:
    """"2024" → year, "2024-09" → month, "2024-09-05" → day (the partial-ISO forms of the record schema)."""
    if anchor is None:
        return None
    return {4: "year", 7: "month", 10: "day"}.get(len(anchor))


def entity_rows(mention_rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entity table rows from mention rows (type, canonical, text, doc_id).

    label = the most frequent surface form (ties: the longer, then the first in code-point
    order); aliases = every surface form, sorted. A pure function of the mentions, so the
    table does not depend on the order in which articles were loaded.
    """
    texts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    docs: dict[tuple[str, str], set] = defaultdict(set)
    for m in mention_rows:
        if m["canonical"] is None:
            continue
        key = (m["type"], m["canonical"])
        texts[key][m["text"]] += 1
        docs[key].add(m["doc_id"])
    rows = []
    for key in sorted(texts):
        counts = texts[key]
        label = min(counts, key=lambda t: (-counts[t], -len(t), t))
        rows.append({"type": key[0], "canonical": key[1], "label": label, "aliases": _jsonlist(sorted(counts)),
                     "mentions": sum(counts.values()), "articles": len(docs[key])})
    return rows


# --------------------------------------------------------------------------- connection
def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (installed with govnews)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        # multi-row INSERT ... VALUES pages (still bound parameters): ~1.7x faster than executemany here
        engine.dialect.use_insertmanyvalues_wo_returning = True

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - driver hook
            dbapi_conn.isolation_level = None      # let SQLAlchemy, not pysqlite, issue BEGIN
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:  # pragma: no cover - driver hook
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _migrate(conn: Connection, found: int) -> int:
    """Bring a database of an older schema version up to SCHEMA_VERSION in place (rows kept)."""
    existing = {t: {c["name"] for c in inspect(conn).get_columns(t)} for t in DATA_TABLES}
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for table, column, sql_type in MIGRATIONS.get(version, []):
            if column not in existing.get(table, set()):
                conn.exec_driver_sql(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}')
        conn.execute(update(schema_version).values(version=version))
    return SCHEMA_VERSION


def check_schema(engine: Engine, create: bool = True) -> int:
    """Create the schema in an empty database; refuse one of another version."""
    with engine.begin() as conn:
        names = set(inspect(conn).get_table_names())
        if "schema_version" in names:
            versions = [row[0] for row in conn.execute(select(schema_version.c.version))]
            if len(versions) != 1:
                raise SchemaVersionError(f"{engine.url.render_as_string(hide_password=True)}: schema_version holds "
                                         f"{len(versions)} rows, expected exactly one")
            found = versions[0]
            if found < SCHEMA_VERSION and found in (v - 1 for v in MIGRATIONS):
                found = _migrate(conn, found)
            if found != SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{engine.url.render_as_string(hide_password=True)}: database schema version {found}, "
                    f"but this govnews (pipeline/io/db.py) uses schema version {SCHEMA_VERSION}. "
                    "Migrate it (docs/database.md, 'Versions and migration') or load the records into a "
                    "new database: the JSONL records are the source of truth and loading is idempotent.")
            missing = set(DATA_TABLES) - names
            if missing:
                raise SchemaVersionError(f"{engine.url.render_as_string(hide_password=True)}: schema version "
                                         f"{found} but tables {sorted(missing)} are missing")
            return found
        ours = names & set(DATA_TABLES)
        if ours:
            raise SchemaVersionError(f"{engine.url.render_as_string(hide_password=True)}: tables {sorted(ours)} exist "
                                     "but there is no schema_version table (not created by this govnews)")
        if not create:
            raise SchemaVersionError(f"{engine.url.render_as_string(hide_password=True)}: no govnews schema "
                                     "(load records first: govnews load RECORDS.jsonl --db URL)")
        metadata.create_all(conn)
        conn.execute(insert(schema_version), [{"version": SCHEMA_VERSION}])
        return SCHEMA_VERSION


# --------------------------------------------------------------------------- loader
def _db_problem(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise LoadError(None, f"malformed JSON ({exc.msg} at column {exc.colno})", where=f"{path}:{lineno}") from exc


class Loader:
    """Loads records into the database at ``url`` (creating the schema if the database is empty).

    >>> Loader("sqlite:///govnews.sqlite").load_file("out/records.jsonl")   # doctest: +SKIP
    {'records': 41, 'batches': 1, 'seconds': 0.2, 'records_per_second': 205.0, ...}
    """

    def __init__(self, url: str = DEFAULT_URL, batch_size: int = BATCH_SIZE):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.batch_size = batch_size
        check_schema(self.engine, create=True)

    # -- public API
    def load_records(self, records: list[dict[str, Any]]) -> None:
        """Load one batch in one transaction; a bad record rolls the batch back and raises LoadError."""
        self._load(records, [f"batch record {i}" for i in range(len(records))])

    def load_file(self, path: str | Path) -> dict[str, Any]:
        """Load a JSONL file, ``batch_size`` records per transaction. Returns a summary.

        A bad record rolls back its own batch (earlier batches stay committed: they hold whole
        articles, and loading the fixed file again is idempotent).
        """
        path = Path(path)
        started = time.perf_counter()
        n = batches = 0
        batch: list[dict[str, Any]] = []
        where: list[str] = []
        for lineno, record in _read_jsonl(path):
            batch.append(record)
            where.append(f"{path}:{lineno}")
            n += 1
            if len(batch) >= self.batch_size:
                self._load(batch, where)
                batches += 1
                batch, where = [], []
        if batch:
            self._load(batch, where)
            batches += 1
        seconds = time.perf_counter() - started
        return {"db": make_url(self.url).render_as_string(hide_password=True), "records": n, "batches": batches,
                "seconds": round(seconds, 3), "records_per_second": round(n / seconds, 1) if seconds else None}

    def counts(self) -> dict[str, int]:
        """Row count of every table."""
        with self.engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
                    for name in ("schema_version",) + DATA_TABLES}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Loader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals
    def _load(self, records: list[dict[str, Any]], where: list[str]) -> None:
        latest: dict[str, tuple[str, dict[str, list[dict[str, Any]]]]] = {}
        for i, record in enumerate(records):
            doc_id = str(record.get("doc_id")) if isinstance(record, dict) else ""
            problems = record_problems(record)
            if problems:
                more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
                raise LoadError(doc_id, "; ".join(problems[:3]) + more, where=where[i])
            latest.pop(doc_id, None)            # a doc_id repeated in the batch: the last one wins
            latest[doc_id] = (where[i], record_rows(record))
        if not latest:
            return
        batch = [rows for _, rows in latest.values()]
        try:
            with self.engine.begin() as conn:
                self._refresh_entities(conn, self._replace(conn, batch))
        except SQLAlchemyError as exc:
            # The batch is rolled back. Replay it one article at a time (always rolled back)
            # to name the record the database refused.
            for loc, rows in latest.values():
                try:
                    with self.engine.connect() as conn, conn.begin() as tx:
                        try:
                            self._refresh_entities(conn, self._replace(conn, [rows]))
                        finally:
                            tx.rollback()
                except SQLAlchemyError as one:
                    raise LoadError(rows["articles"][0]["doc_id"], f"database error: {_db_problem(one)}", where=loc) from exc
            ids = ", ".join(list(latest)[:5]) + (", ..." if len(latest) > 5 else "")
            raise LoadError(ids, f"database error: {_db_problem(exc)}") from exc

    def _replace(self, conn: Connection, batch: list[dict[str, list[dict[str, Any]]]]) -> set[tuple[str, str]]:
        """Delete the batch's articles (all their rows) and insert the new rows; returns touched entity keys."""
        doc_ids = [r["articles"][0]["doc_id"] for r in batch]
        touched: set[tuple[str, str]] = set()
        for i in range(0, len(doc_ids), CHUNK):
            part = doc_ids[i:i + CHUNK]
            touched |= {(t, c) for t, c in conn.execute(
                select(mentions.c.type, mentions.c.canonical).where(mentions.c.doc_id.in_(part),
                                                                    mentions.c.canonical.is_not(None)).distinct())}
            ids = select(mentions.c.id).where(mentions.c.doc_id.in_(part))
            conn.execute(delete(quantities).where(quantities.c.mention_id.in_(ids)))
            conn.execute(delete(dates).where(dates.c.mention_id.in_(ids)))
            conn.execute(delete(mentions).where(mentions.c.doc_id.in_(part)))
            conn.execute(delete(lines).where(lines.c.doc_id.in_(part)))
            conn.execute(delete(articles).where(articles.c.doc_id.in_(part)))
        every = {name: [row for r in batch for row in r[name]]
                 for name in ("articles", "lines", "mentions", "quantities", "dates")}
        new = {(m["type"], m["canonical"]) for m in every["mentions"] if m["canonical"] is not None}
        self._ensure_entities(conn, new, every["mentions"])
        for name in ("articles", "lines", "mentions", "quantities", "dates"):
            if every[name]:
                conn.execute(insert(metadata.tables[name]), every[name])
        return touched | new

    @staticmethod
    def _existing(conn: Connection, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        canonicals = sorted({c for _, c in keys})
        for i in range(0, len(canonicals), CHUNK):
            part = canonicals[i:i + CHUNK]
            found |= {(t, c) for t, c in conn.execute(
                select(entities.c.type, entities.c.canonical).where(entities.c.canonical.in_(part)))}
        return found & keys

    def _ensure_entities(self, conn: Connection, keys: set[tuple[str, str]], mention_rows: list[dict[str, Any]]) -> None:
        """Insert placeholder rows for new entity keys (the FK target); _refresh_entities fills them in."""
        missing = keys - self._existing(conn, keys)
        if missing:
            first: dict[tuple[str, str], str] = {}
            for m in mention_rows:
                first.setdefault((m["type"], m["canonical"]), m["text"])
            stmt = insert(entities)
            if conn.dialect.name in ("postgresql", "sqlite"):   # another loader may have just added it
                from sqlalchemy.dialects import postgresql, sqlite

                stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(entities).on_conflict_do_nothing()
            conn.execute(stmt, [{"type": t, "canonical": c, "label": first[(t, c)], "aliases": "[]",
                                 "mentions": 0, "articles": 0} for t, c in sorted(missing)])

    def _refresh_entities(self, conn: Connection, keys: set[tuple[str, str]]) -> None:
        """Recompute label/aliases/counts of the touched entities from the mentions; drop orphans."""
        if not keys:
            return
        canonicals = sorted({c for _, c in keys})
        mrows = []
        for i in range(0, len(canonicals), CHUNK):
            part = canonicals[i:i + CHUNK]
            mrows += [dict(row._mapping) for row in conn.execute(
                select(mentions.c.type, mentions.c.canonical, mentions.c.text, mentions.c.doc_id)
                .where(mentions.c.canonical.in_(part)))]
        fresh = {(e["type"], e["canonical"]): e for e in entity_rows(m for m in mrows if (m["type"], m["canonical"]) in keys)}
        existing = self._existing(conn, keys)
        orphans = sorted(existing - fresh.keys())
        for t, c in orphans:
            conn.execute(delete(entities).where(entities.c.type == t, entities.c.canonical == c))
        upd = (update(entities)
               .where(entities.c.type == bindparam("k_type"), entities.c.canonical == bindparam("k_canonical"))
               .values(label=bindparam("label"), aliases=bindparam("aliases"), mentions=bindparam("mentions"),
                       articles=bindparam("articles")))
        params = [{"k_type": t, "k_canonical": c, "label": e["label"], "aliases": e["aliases"],
                   "mentions": e["mentions"], "articles": e["articles"]}
                  for (t, c), e in sorted(fresh.items()) if (t, c) in existing]
        if params:
            conn.execute(upd, params)
        new = [e for k, e in sorted(fresh.items()) if k not in existing]
        if new:  # cannot happen (mentions need their entity row first), kept for safety
            conn.execute(insert(entities), new)

