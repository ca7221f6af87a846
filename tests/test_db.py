"""Loading records into real databases: SQLite always, PostgreSQL when GOVNEWS_PG_URL is set.

CI (.ci/run) sources .ci/postgres.sh, which starts a throw-away PostgreSQL cluster and
exports GOVNEWS_PG_URL; each PostgreSQL test works in its own schema, dropped afterwards.
"""
from __future__ import annotations

import copy
import json
import os
import re
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.io.db import SCHEMA_VERSION, Loader, LoadError, SchemaVersionError, normalise_url
from pipeline.io.schema import record_problems
from pipeline.io.frames import frames, frames_from_db

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("GOVNEWS_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def database(backend: str, tmp_path: Path, request) -> str:
    """A fresh, empty database URL for one test (helper, not a fixture: fixtures live in conftest.py)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'govnews.sqlite'}"
    if not PG_URL:
        pytest.skip("GOVNEWS_PG_URL is not set, so there is no PostgreSQL server to test against "
                    "(CI starts one: source .ci/postgres.sh)")
    schema = f"govnews_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))   # identifier: generated above, not user input

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    request.addfinalizer(drop)
    url = sa.engine.make_url(normalise_url(PG_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def assert_frames_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=f"frames[{name!r}]")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def corpus_list(corpus_records: dict[str, dict]) -> list[dict]:
    """The session's corpus records as a list of private copies (tests may mutate them)."""
    return [copy.deepcopy(r) for r in corpus_records.values()]


def expected_counts(records: list[dict]) -> dict[str, int]:
    mentions = [m for r in records for m in r["mentions"]]
    return {
        "schema_version": 1,
        "articles": len({r["doc_id"] for r in records}),
        "lines": sum(len(r["lines"]) for r in records),
        "entities": len({(m["type"], m["canonical"]) for m in mentions if m["type"] in ("AGENCY", "PROGRAMME")}),
        "mentions": len(mentions),
        "quantities": sum(m["type"] == "QUANTITY" for m in mentions),
        "dates": sum(m["type"] == "DATE" for m in mentions),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_double_load_is_idempotent(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    path = write_jsonl(tmp_path / "records.jsonl", records)
    with Loader(url) as loader:
        first = loader.load_file(path)
        counts1 = loader.counts()
        content1 = frames_from_db(url)
        second = loader.load_file(path)
        loader.load_records(records)            # and once more through the batch API
        counts2 = loader.counts()
    content2 = frames_from_db(url)
    assert first["records"] == second["records"] == len(records)
    assert first["records_per_second"] > 0
    assert counts1 == counts2 == expected_counts(records)
    assert_frames_equal(content1, content2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_round_trip_records_db_frames(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records)
    assert_frames_equal(frames_from_db(url), frames(records))


def _newer(record: dict) -> dict:
    """The same article as a newer pipeline version would write it: fewer mentions, one changed value."""
    new = copy.deepcopy(record)
    new["pipeline_version"] = "99.0.0"
    new["flags"] = ["reprocessed"]
    keep = [m for m in new["mentions"] if m["type"] in ("QUANTITY", "DATE")]
    new["mentions"] = keep[: max(1, len(keep) // 2)]
    for m in new["mentions"]:
        if m["type"] == "QUANTITY" and m["value"] is not None:
            m["value"] = m["value"] + 1
            break
    new["lines"] = new["lines"][:1]
    return new


@pytest.mark.parametrize("backend", BACKENDS)
def test_newer_pipeline_version_replaces_article(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    # the article with the most entity mentions, so that some entities lose their last mention
    target = max(records, key=lambda r: sum(m["type"] in ("AGENCY", "PROGRAMME") for m in r["mentions"]))
    newer = _newer(target)
    with Loader(url) as loader:
        loader.load_records(records)
        loader.load_records([newer])
        counts = loader.counts()
    final = [newer if r["doc_id"] == target["doc_id"] else r for r in records]
    assert counts == expected_counts(final)
    got = frames_from_db(url)
    assert_frames_equal(got, frames(final))
    art = got["articles"].set_index("doc_id").loc[target["doc_id"]]
    assert art["pipeline_version"] == "99.0.0" and art["flags"] == ["reprocessed"]
    # entities that only this article mentioned are gone; the others were recounted
    assert expected_counts(final)["entities"] < expected_counts(records)["entities"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_record_rolls_back_the_batch(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records)
        before_counts = loader.counts()
        before = frames_from_db(url)
        bad = copy.deepcopy(records[1])
        bad["doc_id"] = "bad-record-0001"
        bad["mentions"][0]["end"] = bad["mentions"][0]["start"] - 1
        batch = [_newer(records[0]), bad]                    # a good replacement first, then the bad one
        with pytest.raises(LoadError) as info:
            loader.load_records(batch)
        assert info.value.doc_id == "bad-record-0001"
        assert "bad-record-0001" in str(info.value) and "mentions/0" in str(info.value)
        assert "rolled back" in str(info.value)
        assert loader.counts() == before_counts
    assert_frames_equal(frames_from_db(url), before)        # the good replacement was not applied either


@pytest.mark.parametrize("backend", BACKENDS)
def test_database_refusal_names_the_record(backend, tmp_path, request, corpus_records):
    """An error raised by the database itself (here a trigger) also rolls back and names the doc_id."""
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records[:2])
        before = loader.counts()
        with loader.engine.begin() as conn:
            if loader.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN NEW.doc_id = 'refused-doc' "
                                     "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END")
            else:
                conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                                     "IF NEW.doc_id = 'refused-doc' THEN RAISE EXCEPTION 'refused by trigger'; END IF; "
                                     "RETURN NEW; END $$")
                conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse()")
        refused = copy.deepcopy(records[3])
        refused["doc_id"] = "refused-doc"
        path = write_jsonl(tmp_path / "batch.jsonl", [records[2], refused, records[4]])
        with pytest.raises(LoadError, match=r"batch\.jsonl:2: record 'refused-doc': database error: .*refused by trigger"):
            loader.load_file(path)
        assert loader.counts() == before


def test_cli_load_twice_and_bad_file(tmp_path, corpus_records):
    records = corpus_list(corpus_records)
    from typer.testing import CliRunner

    from pipeline.cli import app

    src = write_jsonl(tmp_path / "records.jsonl", records)
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runs = [CliRunner().invoke(app, ["load", str(src), "--db", url]) for _ in range(2)]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    first, second = (json.loads(r.stdout) for r in runs)
    assert first["rows"] == second["rows"] == expected_counts(records)
    bad = copy.deepcopy(records[0])
    bad["mentions"][0]["text"] = ""
    result = CliRunner().invoke(app, ["load", str(write_jsonl(tmp_path / "bad.jsonl", [bad])), "--db", url])
    assert result.exit_code == 2
    assert f"bad.jsonl:1: record '{bad['doc_id']}': mentions/0" in result.stderr


def test_malformed_json_line_is_named(tmp_path, corpus_records):
    records = corpus_list(corpus_records)
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(records[0]) + "\n{not json\n", encoding="utf-8")
    with Loader(f"sqlite:///{tmp_path / 'db.sqlite'}") as loader:
        with pytest.raises(LoadError, match=r"broken\.jsonl:2: .*malformed JSON"):
            loader.load_file(path)


@pytest.mark.parametrize("backend", BACKENDS)
def test_schema_version_mismatch_is_a_clear_error(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records[:1])
        with loader.engine.begin() as conn:
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 41})
    message = rf"database schema version {SCHEMA_VERSION + 41}, but this govnews .* uses schema version {SCHEMA_VERSION}"
    with pytest.raises(SchemaVersionError, match=message):
        Loader(url)
    with pytest.raises(SchemaVersionError, match=message):
        frames_from_db(url)


def test_foreign_tables_and_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with pytest.raises(SchemaVersionError, match="no govnews schema"):
        frames_from_db(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE articles (id INTEGER)")
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="no schema_version table"):
        Loader(url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_schema_enforces_entity_foreign_key_and_indexes(backend, tmp_path, request, corpus_records):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records[:1])
        doc_id = records[0]["doc_id"]
        with pytest.raises(sa.exc.IntegrityError):
            with loader.engine.begin() as conn:
                conn.execute(sa.text('INSERT INTO mentions (id, doc_id, seq, type, start, "end", text, canonical) '
                                     "VALUES (:id, :d, 100000, 'AGENCY', 0, 1, 'x', 'no-such-entity')"),
                             {"id": f"{doc_id}#100000", "d": doc_id})
        indexes = {ix["name"] for table in ("mentions", "quantities", "dates")
                   for ix in sa.inspect(loader.engine).get_indexes(table)}
    assert {"ix_mentions_type", "ix_mentions_entity", "ix_quantities_unit", "ix_dates_value"} <= indexes


def test_missing_optional_fields_load_as_null(tmp_path, corpus_records):
    records = corpus_list(corpus_records)
    rec = copy.deepcopy(records[0])
    for key in ("title", "input_title", "url", "retrieved", "content_sha256"):
        rec.pop(key, None)
    rec2 = copy.deepcopy(records[1])
    rec2.update(title="A title", url="https://example.org/a", retrieved="2025-01", content_sha256="ab" * 32)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with Loader(url) as loader:
        loader.load_records([rec, rec2])
    arts = frames_from_db(url)["articles"].set_index("doc_id")
    assert arts.loc[rec["doc_id"], ["title", "url", "retrieved", "content_sha256"]].isna().all()
    assert arts.loc[rec2["doc_id"], "title"] == "A title" and arts.loc[rec2["doc_id"], "retrieved"] == "2025-01"


def test_fast_check_agrees_with_the_json_schema(corpus_records):
    records = corpus_list(corpus_records)
    from pipeline.io.schema import errors

    for r in records:
        assert record_problems(r) == [] and errors(r) == []
    mutations = [
        lambda r: r.pop("doc_id"),
        lambda r: r.update(published="2024/09"),
        lambda r: r.update(published_basis="guess"),
        lambda r: r["lines"].append({"start": 0, "end": 1, "kind": "footer"}),
        lambda r: r["mentions"].append({"type": "PERSON", "start": 0, "end": 1, "text": "x"}),
        lambda r: r["mentions"].append({"type": "QUANTITY", "start": 0, "end": 1, "text": "x", "value": "1",
                                        "unit": None, "bound": "=", "change": None}),
        lambda r: r["mentions"].append({"type": "QUANTITY", "start": 0, "end": 1, "text": "x", "value": 1,
                                        "unit": None, "bound": "==", "change": None}),
        lambda r: r["mentions"].append({"type": "DATE", "start": 0, "end": 1, "text": "x", "timex_type": "ERA", "value": "X"}),
        lambda r: r["mentions"].append({"type": "AGENCY", "start": 0, "end": 1, "text": "x"}),
        lambda r: r["mentions"].append({"type": "PROGRAMME", "start": 0, "end": 1, "text": "x", "canonical": "p", "kind": "wish"}),
    ]
    for i, mutate in enumerate(mutations):
        r = copy.deepcopy(records[0])
        mutate(r)
        assert errors(r), i
        assert record_problems(r), i


# --- the example in docs/database.md runs and answers its question ------------------------------
DOC = REPO / "docs" / "database.md"


def _doc_block(lang: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(r"<!-- example: tested -->\s*```" + lang + r"\n(.*?)```", text, re.S)
    assert found, f"docs/database.md has no tested ```{lang} example"
    return found.group(1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_docs_example_answers_its_question(backend, tmp_path, request, corpus_records, capsys):
    records = corpus_list(corpus_records)
    url = database(backend, tmp_path, request)
    with Loader(url) as loader:
        loader.load_records(records)
    code = _doc_block("python")
    assert 'frames_from_db("sqlite:///govnews.sqlite")' in code
    namespace: dict = {}
    exec(compile(code.replace("sqlite:///govnews.sqlite", url), str(DOC), "exec"), namespace)
    answer = namespace["answer"]
    assert len(answer) > 0 and answer["programmes"].iloc[0] > 0
    assert capsys.readouterr().out.strip()
    # The SQL version gives the same counts.
    with sa.create_engine(normalise_url(url)).connect() as conn:
        rows = conn.execute(sa.text(_doc_block("sql").replace("LIMIT 5", ""))).all()
    assert rows
    by_agency = {r.agency: (r.articles, r.programmes) for r in rows}
    assert by_agency == {a: (int(x.articles), int(x.programmes)) for a, x in answer.iterrows()}


MIGRATED_TABLES = ("articles", "lines", "mentions", "quantities", "dates", "entities")


def _row_counts(conn) -> dict[str, int]:
    return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in MIGRATED_TABLES}


def _database_of_version(tmp_path, records, version: int):
    """A SQLite database loaded with ``records`` and then turned into what schema ``version`` wrote
    (the columns later versions added dropped, the version row set back); returns (url, engine,
    row counts)."""
    from pipeline.io.db import MIGRATIONS

    url = f"sqlite:///{tmp_path / f'v{version}.sqlite'}"
    with Loader(url) as loader:
        loader.load_records(records)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for later in range(SCHEMA_VERSION, version, -1):
            for table, column, _ in MIGRATIONS[later]:
                conn.exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN "{column}"')
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {version}")
    with engine.connect() as conn:
        return url, engine, _row_counts(conn)


def test_schema_v1_database_migrates_without_losing_a_row(tmp_path, corpus_records):
    """Issue 21: a database loaded by schema version 1 (before guide v1.2) is migrated in place:
    every row stays, the new columns (quantities.per, articles.byline/source/dateline_place/
    jurisdiction) appear, and v1.2 records load into it."""
    records = list(corpus_records.values())[:6]
    url, engine, before = _database_of_version(tmp_path, records, 1)
    with engine.connect() as conn:
        assert "per" not in {c["name"] for c in sa.inspect(conn).get_columns("quantities")}
    with Loader(url) as loader:                        # opening it migrates
        pass
    with engine.connect() as conn:
        after = _row_counts(conn)
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar_one() == SCHEMA_VERSION == 3
        assert "per" in {c["name"] for c in sa.inspect(conn).get_columns("quantities")}
        assert {"byline", "source", "dateline_place", "jurisdiction"} <= {c["name"] for c in sa.inspect(conn).get_columns("articles")}
    assert after == before and before["mentions"] > 0
    with Loader(url) as loader:                        # and v1.2 records load into the migrated database
        loader.load_records(records)
    with engine.connect() as conn:
        n_per = conn.exec_driver_sql("SELECT COUNT(*) FROM quantities WHERE per IS NOT NULL").scalar_one()
    assert n_per == sum(1 for r in records for m in r["mentions"] if m["type"] == "QUANTITY" and m.get("per"))


def test_schema_v2_database_migrates_without_losing_a_row(tmp_path, corpus_records):
    """Issue 19: a database of schema version 2 (dates.anchor = the article's published date) is migrated
    in place: every row stays, dates.anchor_granularity appears, and loading the records again stores
    each DATE mention's own anchor (null when the expression needed none)."""
    records = list(corpus_records.values())[:6]
    url, engine, before = _database_of_version(tmp_path, records, 2)
    with engine.connect() as conn:
        assert "anchor_granularity" not in {c["name"] for c in sa.inspect(conn).get_columns("dates")}
    with Loader(url):                                  # opening it migrates
        pass
    with engine.connect() as conn:
        after = _row_counts(conn)
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar_one() == SCHEMA_VERSION == 3
        assert "anchor_granularity" in {c["name"] for c in sa.inspect(conn).get_columns("dates")}
    assert after == before and before["dates"] > 0
    with Loader(url) as loader:                        # records load into the migrated database
        loader.load_records(records)
    with engine.connect() as conn:
        stored = dict(conn.exec_driver_sql("SELECT mention_id, anchor FROM dates").all())
    expected = {f"{r['doc_id']}#{i}": m["anchor"] for r in records for i, m in enumerate(r["mentions"])
                if m["type"] == "DATE"}
    assert stored == expected
