"""2-worker speed-up of `govnews run` against its own 1-worker speed, side by side in one run.

The corpus is repeated (seeded shuffle) to --articles articles as a JSONL feed; each
configuration runs in a fresh `govnews run --force` subprocess, alternating 1 and 2 workers
--repeat times; the best time of each is reported with the machine's load average, since a
busy machine hides the speed-up.

Usage: python bench/workers_speedup.py [--articles 1000] [--repeat 2]
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
    ap.add_argument("--articles", type=int, default=1000)
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
            subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(feed), "--out", str(out), "--workers",
                            str(workers), "--force"], check=True, capture_output=True)
            t = time.perf_counter() - t0
            if workers not in best or t < best[workers][0]:
                best[workers] = (t, load)
    a, b = (tmp / "out1.jsonl").read_bytes(), (tmp / "out2.jsonl").read_bytes()
    result = {"articles": args.articles, "words": words,
              "workers_1": {"seconds": round(best[1][0], 2), "words_per_s": round(words / best[1][0]), "load_before": best[1][1]},
              "workers_2": {"seconds": round(best[2][0], 2), "words_per_s": round(words / best[2][0]), "load_before": best[2][1]},
              "speedup": round(best[1][0] / best[2][0], 2), "identical_output": a == b}
    (REPO / "bench" / "results" / "workers_speedup.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
