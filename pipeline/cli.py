"""govnews command line: run, eval, entities, validate (and load/export when the db extra is used)."""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, NoReturn, Optional

import typer
from pipeline.paths import REPO_DIR

if TYPE_CHECKING:
    from pipeline.execution.batch import Process
    from pipeline.io.inputs import Quarantine

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="govnews: structured records (line kinds, quantities, TIMEX3 dates, agencies, programmes) "
                       "from environmental-governance news.\n\nExamples:\n\n"
                       "  govnews run                      # bundled corpus/ -> out/records.jsonl\n\n"
                       "  govnews run feed.jsonl --out out/feed.jsonl --workers 2\n\n"
                       "  govnews eval annotations/gold.jsonl out/records.jsonl --split dev")

REPO = REPO_DIR


def _fail(msg: str, code: int = 2) -> NoReturn:
    typer.echo(f"govnews: error: {msg}", err=True)
    raise typer.Exit(code)


def _setup_logging() -> None:
    """One line per event, one format: spaCy adds its own stderr handler to its "spacy" logger, so
    with ours on the root logger each spaCy event was printed twice in two formats (issue 18)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    import spacy.util  # noqa: F401 - creates spaCy's logger and its handler

    spacy_log = logging.getLogger("spacy")
    for handler in list(spacy_log.handlers):
        spacy_log.removeHandler(handler)
    spacy_log.propagate = True


@app.command()
def run(inputs: List[Path] = typer.Argument(None, help="corpus directory (with or without manifest.jsonl), .txt or .html files, .jsonl feeds; default: corpus/"),
        out: Path = typer.Option(Path("out/records.jsonl"), "--out", "-o", help="output JSONL (one record per article)"),
        published: Optional[str] = typer.Option(None, help="publication date (YYYY-MM-DD, YYYY-MM or YYYY) for every article whose input carries none (record basis: command-line)"),
        retrieved: Optional[str] = typer.Option(None, help="retrieval date for every article whose input carries none (resolves 'Release Time N months ago')"),
        workers: int = typer.Option(0, "--workers", "-w", help="processes (0 = all cores; capped at min(requested, cores, articles))"),
        force: bool = typer.Option(False, help="re-process articles already in the output log"),
        chunk_size: int = typer.Option(64, help="articles per committed chunk"),
        config: Optional[Path] = typer.Option(None, help="pipeline config (default: the packaged config.cfg)"),
        engine: str = typer.Option("local", help="local | dask"),
        scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (engine dask); none starts a LocalCluster"),
        db: Optional[str] = typer.Option(None, help="also load records into this database URL as they are written"),
        strict: bool = typer.Option(False, "--strict", help="refuse the whole input at the first bad unit (no quarantine, UTF-8 only) and fail an article when any stage fails on it (default: quarantine bad units, decode legacy encodings, write degraded records with a stage-failed flag)"),
        html_text: str = typer.Option("main", "--html-text", help="HTML pages: main = trafilatura's main text; all = every text of the page, segmented by our line model"),
        ) -> None:
    """Process articles into JSONL records (resumable: rerun the same command after an interruption).

    A bad input unit (a JSONL line that does not parse or lacks doc_id/text, a binary or
    undecodable file, a duplicate doc_id with another text) is quarantined to
    <out>.errors.jsonl and the good articles are processed; the run then ends with
    "N records written, M inputs quarantined (see FILE)" and exit code 1. --strict refuses
    the whole input instead (exit 2, nothing written).

    Examples:

      govnews run                                   # corpus/ -> out/records.jsonl

      govnews run article.txt --published 2024-09-05 --out out/one.jsonl

      govnews run scraped/ --published 2024-05 --out out/scraped.jsonl    # a folder of .txt, no manifest

      govnews run page.html --out out/page.jsonl    # main text + title/date/author/site name

      govnews run feed.jsonl --workers 2 --force
    """
    import itertools

    from pipeline.execution.batch import OutputLock, RunLockedError, count_articles, run_batch
    from pipeline.io.inputs import InputError, Quarantine, ReadOptions, check_date_options, read_inputs
    from pipeline.execution.runner import cap_workers

    _setup_logging()
    log = logging.getLogger("govnews")
    paths = inputs or [REPO / "corpus"]
    if html_text not in ("main", "all"):
        _fail(f"--html-text {html_text!r}: main or all")
    try:
        published, retrieved = check_date_options(published, retrieved, ", ".join(map(str, paths[:3])) + (", ..." if len(paths) > 3 else ""))
    except InputError as exc:
        _fail(str(exc))
    quarantine = None if strict else Quarantine()
    opts = ReadOptions(quarantine=quarantine, detect_encoding=not strict, published=published,
                       retrieved=retrieved, html_mode=html_text)
    errors_file = out.with_name(out.stem + ".errors.jsonl")
    try:
        lock = OutputLock(out).__enter__()       # before the model loads: a second run refuses at once
    except RunLockedError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write output {out}: {exc.strerror or exc}")
    try:
        try:  # stream the inputs (flat memory); the total for the progress bar comes from line counts
            stream = read_inputs(paths, opts=opts)
            first = next(stream, None)
        except InputError as exc:
            _fail(str(exc))
        if first is None:
            if quarantine:
                _write_quarantine_only(errors_file, quarantine)
                q = quarantine.entries[0]
                _fail(f"no article could be read: {q['error']}"
                      + (f" (and {len(quarantine) - 1} more input(s) quarantined, see {errors_file})" if len(quarantine) > 1 else ""))
            _fail("no articles in the input")
        articles = itertools.chain([first], stream)
        total = count_articles(paths)
        n_workers, notice = cap_workers(workers, total)
        if notice:
            log.info(notice)
        processor: Process      # local or Dask: both map a chunk of articles to (article, result) pairs
        if engine == "dask":
            from pipeline.execution.distributed import DaskProcessor

            processor = DaskProcessor(scheduler=scheduler, config=config, workers=n_workers, strict=strict)
        elif engine == "local":
            from pipeline.execution.runner import LocalProcessor

            processor = LocalProcessor(workers=n_workers, config=config, strict=strict)
        else:
            _fail(f"unknown engine {engine!r} (local or dask)")
        on_records = None
        if db:
            from pipeline.io.db import Loader

            loader = Loader(db)
            on_records = loader.load_records
        try:
            summary = run_batch(articles, out, processor, force=force, chunk_size=chunk_size,
                                total=total, on_records=on_records, quarantine=quarantine)
        except InputError as exc:
            _fail(str(exc))
        except OSError as exc:   # full disk, unwritable output directory: committed chunks stay intact
            _fail(f"cannot write output {out}: {exc.strerror or exc} (committed work is kept; rerun to resume)")
        finally:
            if hasattr(processor, "close"):
                processor.close()
    finally:
        lock.__exit__(None, None, None)
    typer.echo(json.dumps({"output": str(out), **summary.as_dict()}, indent=None))
    if summary.failed or summary.degraded:
        typer.echo(f"govnews: {summary.failed} article(s) failed, {summary.degraded} degraded (written with a stage's "
                   f"output empty); see {errors_file}", err=True)
    if summary.quarantined:
        written = summary.processed + summary.skipped
        typer.echo(f"{written} records written, {summary.quarantined} inputs quarantined (see {errors_file})", err=True)
    if summary.failed or summary.degraded or summary.quarantined:
        raise typer.Exit(1)


def _write_quarantine_only(errors_file: Path, quarantine: Quarantine) -> None:
    errors_file.parent.mkdir(parents=True, exist_ok=True)
    with open(errors_file, "w", encoding="utf-8") as fh:
        for entry in quarantine.entries:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


@app.command("eval")
def evaluate(gold: Path = typer.Argument(..., help="gold JSONL (annotations/gold.jsonl)"),
             pred: Path = typer.Argument(..., help="predicted JSONL (govnews run output)"),
             split: Optional[str] = typer.Option(None, help="train | dev | test | all (from annotations/splits.json)"),
             as_json: bool = typer.Option(False, "--json", help="print the scores as JSON"),
             html: Optional[Path] = typer.Option(None, help="write a readable HTML error report here"),
             missing_as_empty: bool = typer.Option(False, "--missing-as-empty", help="count gold articles without a prediction as empty predictions (default: score the shared articles only, with a warning)"),
             ) -> None:
    """Score predictions against gold with the annotation guide's scoring.

    Gold and predictions must share doc_ids: none shared is an error (exit 2); a partial overlap
    prints a warning with the counts and scores the shared articles only (--missing-as-empty:
    absent predictions count as empty). A metric with nothing to score prints n/a.

    Example: govnews eval annotations/gold.jsonl out/records.jsonl --split dev --html out/report.html
    """
    from pipeline.evaluation.evaluate import format_table, load_jsonl, score_by_origin, select_split, shared_articles, with_na

    for path in (gold, pred):
        if not path.is_file():
            _fail(f"{path}: no such file")
    try:
        gold_recs = select_split(load_jsonl(gold), split)
        pred_recs = load_jsonl(pred)
        gold_recs, warning = shared_articles(gold_recs, pred_recs, str(gold) + (f" (split {split})" if split else ""),
                                             str(pred), missing_as_empty)
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(str(exc))
    if warning:
        typer.echo(f"govnews: {warning}", err=True)
    result = score_by_origin(gold_recs, pred_recs)
    typer.echo(json.dumps(with_na(result), indent=2) if as_json else format_table(result))
    if html:
        from pipeline.evaluation.report import write_html

        write_html(gold_recs, pred_recs, html)
        typer.echo(f"HTML report: {html}", err=True)


@app.command()
def entities(records: Path = typer.Argument(Path("out/records.jsonl"), help="records JSONL"),
             embed: bool = typer.Option(True, help="group near-variant keys with MiniLM embeddings"),
             threshold: float = typer.Option(0.92, help="cosine threshold for embedding grouping (tuned on train: bench/tune_linking.py)"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Corpus-level table of canonical agencies and programmes: key, aliases, article count."""
    from pipeline.entities import entity_table

    rows = entity_table(records, embed=embed, threshold=threshold)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        typer.echo(f"{row['type']:<9} {row['canonical']:<60} {row['articles']:>3}  {' | '.join(row['aliases'][:4])}")


@app.command()
def validate(records: Path = typer.Argument(..., help="records or gold JSONL to check against the JSON Schema")) -> None:
    """Check a JSONL file against the record schema and text offsets."""
    from pipeline.io.schema import errors

    bad = 0
    for lineno, line in enumerate(records.read_text(encoding="utf-8").splitlines(), 1):
        errs = errors(json.loads(line))
        for e in errs:
            typer.echo(f"{records}:{lineno}: {e}")
        bad += bool(errs)
    typer.echo(f"{records}: {bad} invalid record(s)")
    raise typer.Exit(1 if bad else 0)


@app.command()
def load(records: Path = typer.Argument(..., help="records JSONL (govnews run output)"),
         db: str = typer.Option("sqlite:///govnews.sqlite", help="database URL: sqlite:///file.sqlite or postgresql://user@host/db")) -> None:
    """Load records into a database (idempotent; a newer pipeline version replaces an article's rows).

    Example: govnews load out/records.jsonl --db sqlite:///govnews.sqlite
    """
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.io.db import Loader, LoadError, SchemaVersionError

    if not records.is_file():
        _fail(f"{records}: no such file")
    try:
        with Loader(db) as loader:
            summary = loader.load_file(records)
            summary["rows"] = loader.counts()
    except (LoadError, SchemaVersionError) as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"database {db}: {str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}")
    typer.echo(json.dumps(summary))


@app.command()
def export(records: Path = typer.Argument(Path("out/records.jsonl"), help="records JSONL"),
           parquet: Path = typer.Option(..., "--parquet", help="directory for articles/mentions/quantities/dates/entities .parquet")) -> None:
    """Write the records as Parquet tables (pandas DataFrames with proper dtypes).

    Example: govnews export out/records.jsonl --parquet out/parquet
    """
    from pipeline.io.frames import frames_from_file

    parquet.mkdir(parents=True, exist_ok=True)
    for name, frame in frames_from_file(records).items():
        frame.to_parquet(parquet / f"{name}.parquet", index=False)
        typer.echo(f"{name}: {len(frame)} rows -> {parquet / (name + '.parquet')}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
