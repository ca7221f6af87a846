"""2-worker speed-up of `govnews run` against its own 1-worker speed, side by side in one run.

The corpus is repeated (seeded shuffle) to --articles articles as a JSONL feed; each
configuration runs in a fresh `govnews run --force` subprocess, alternating 1 and 2 workers
--repeat times; the best time of each is reported with the machine's load average, since a
busy machine hides the speed-up.

Two speeds are reported for each configuration:
- ``wall``: the whole subprocess, interpreter and pipeline start-up included (about 2.5 s,
  paid once per run whatever its size, so it shrinks the ratio on short runs);
- ``processing``: the run's own words/s from its summary line (first article read to last
  record committed: reading, the worker pool, the chunk log with its fsyncs and the final
  output file), i.e. the steady-state batch speed that a long archive run sees.
The speed-up is given for both; start-up alone is ``wall - processing`` seconds.

Usage: python bench/workers_speedup.py [--articles 2000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    manifest = [json.loads(l) for l in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = [(m, (REPO / "corpus" / m["file"]).read_text(encoding="utf-8")) for m in manifest]
    rng = random.Random(8)
    tmp = Path(tempfile.mkdtemp(prefix="govnews-speedup-"))
    feed = tmp / "feed.jsonl"
    words = 0
    with feed.open("w", encoding="utf-8") as fh:
        for i in range(args.articles):
            meta, text = rng.choice(texts)
            words += len(text.split())
            fh.write(json.dumps({"doc_id": f"b{i:06d}", "text": text, "published": meta.get("published"),
                                 "retrieved": meta.get("retrieved")}, ensure_ascii=False) + "\n")
    best = {}
    for _ in range(args.repeat):
        for workers in (1, 2):
            out = tmp / f"out{workers}.jsonl"
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(feed), "--out", str(out),
                                   "--workers", str(workers), "--force"], check=True, capture_output=True, text=True)
            t = time.perf_counter() - t0
            summary = json.loads(proc.stdout.strip().splitlines()[-1])
            if workers not in best or t < best[workers][0]:
                best[workers] = (t, summary["seconds"], load)
    a, b = (tmp / "out1.jsonl").read_bytes(), (tmp / "out2.jsonl").read_bytes()

    def speed(workers: int) -> dict:
        wall, processing, load = best[workers]
        return {"wall_seconds": round(wall, 2), "wall_words_per_s": round(words / wall),
                "processing_seconds": round(processing, 2), "processing_words_per_s": round(words / processing),
                "startup_seconds": round(wall - processing, 2), "load_before": round(load, 2)}

    result = {"articles": args.articles, "words": words, "cores": os.cpu_count(),
              "workers_1": speed(1), "workers_2": speed(2),
              "speedup_processing": round(best[1][1] / best[2][1], 2),
              "speedup_wall": round(best[1][0] / best[2][0], 2), "identical_output": a == b}
    (REPO / "bench" / "results" / "workers_speedup.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
