"""Peak RSS of ``govnews run``'s ingest path against feed size (issue 18).

Each measurement runs in a fresh child process (``ru_maxrss`` of that child alone):

* ``ingest``: a JSONL feed of N small articles (one bad line in every 1,000, quarantined) read
  by ``read_inputs`` (quarantine on, legacy decoding on) and committed by ``run_batch`` with a
  stub processor that makes a small record per article: the memory of reading, deduplicating,
  chunk-logging and assembling, without the NLP;
* ``pipeline``: the same feed through the real pipeline (``LocalProcessor``, one worker), at small
  sizes only (it processes ~50 articles/s per core);
* ``big``: one article of ``--big-mb`` MB, as a JSONL line and as a ``.txt`` file: both are over the
  per-article limit and quarantined; the .txt file's size is checked before it is read.

Memory that grows with N is the per-article bookkeeping the exactly-once output needs (input
order, the doc_id -> chunk index, the doc_id -> text-hash map for duplicates); the records and
texts are never held. The script prints bytes per article from the two largest ingest sizes.

Usage: python bench/ingest_memory.py [--sizes 10000,100000,300000] [--pipeline-sizes 500,2000] [--big-mb 50] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from pipeline.execution.batch import run_batch
from pipeline.io.inputs import Quarantine, ReadOptions, read_inputs

feed, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
q = Quarantine()
opts = ReadOptions(quarantine=q, detect_encoding=True)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if mode == "pipeline":
    from pipeline.execution.runner import LocalProcessor
    proc = LocalProcessor(workers=1)
else:
    def proc(chunk):
        return [(a, {{"doc_id": a.doc_id, "published": None, "lines": [], "mentions": []}}) for a in chunk]
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
s = run_batch(read_inputs([feed], opts=opts), out, proc, chunk_size=256, quarantine=q)
print(json.dumps({{"articles": s.articles, "records": s.processed, "quarantined": len(q), "seconds": round(time.perf_counter() - t, 1),
                  "rss_start_mb": round(base / 1024, 1), "rss_loaded_mb": round(loaded / 1024, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}}))
"""


def make_feed(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % 1000 == 999:
                fh.write('{"doc_id": "broken\n')
                continue
            fh.write(json.dumps({"doc_id": f"a{i:07d}", "text": f"Item {i}: the county planted {i % 97} hectares of forest in 2023."}) + "\n")


def measure(feed: Path, work: Path, mode: str) -> dict:
    out = work / f"out-{mode}-{feed.stem}" / "records.jsonl"
    proc = subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO)), str(feed), str(out), mode],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,300000")
    ap.add_argument("--pipeline-sizes", default="500,2000")
    ap.add_argument("--big-mb", type=int, default=50)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for mode, sizes in (("ingest", args.sizes), ("pipeline", args.pipeline_sizes)):
            for n in [int(x) for x in sizes.split(",") if x]:
                feed = work / f"feed{n}.jsonl"
                if not feed.exists():
                    make_feed(feed, n)
                row = {"mode": mode, "feed_articles": n, "feed_mb": round(feed.stat().st_size / 2**20, 1), **measure(feed, work, mode)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                feed.unlink()
        big = work / "big.jsonl"
        text = ("The river chief patrolled 12 km of bank. " * (args.big_mb * 2**20 // 41 + 1))[: args.big_mb * 2**20]
        big.write_text(json.dumps({"doc_id": "big", "text": text}) + "\n" + json.dumps({"doc_id": "small", "text": "5 tons."}) + "\n",
                       encoding="utf-8")
        row = {"mode": "big-jsonl-line", "feed_articles": 2, "feed_mb": round(big.stat().st_size / 2**20, 1), **measure(big, work, "ingest")}
        rows.append(row)
        print(json.dumps(row), flush=True)
        folder = work / "bigdir"
        folder.mkdir()
        (folder / "big.txt").write_text(text, encoding="utf-8")
        (folder / "small.txt").write_text("5 tons.", encoding="utf-8")
        row = {"mode": "big-txt-file", "feed_articles": 2, "feed_mb": round(len(text) / 2**20, 1), **measure(folder, work, "ingest")}
        rows.append(row)
        print(json.dumps(row), flush=True)
    ingest = [r for r in rows if r["mode"] == "ingest"]
    if len(ingest) >= 2:
        a, b = ingest[-2], ingest[-1]
        per = (b["peak_rss_mb"] - a["peak_rss_mb"]) * 2**20 / max(b["feed_articles"] - a["feed_articles"], 1)
        print(f"ingest: {per:.0f} bytes of peak RSS per extra article between {a['feed_articles']:,} and {b['feed_articles']:,} articles")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
