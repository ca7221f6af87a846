"""Per-stage speed on one core, side by side with the tokenizer alone in the same run.

Each stage is timed over already-tokenised Docs (the segmenter's line kinds are set first,
as in the pipeline), so "words/s of the stage alone" excludes tokenisation; the tokenizer's
own words/s is measured on the same texts in the same process. The corpus articles are
repeated to about 300,000 words. Targets (issues 5 and 6): quantities and dates >= 50,000
words/s each.

Usage: python bench/stage_speed.py [--words 300000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3, help="take the best of this many timings")
    args = ap.parse_args()
    from pipeline.nlp import build, make_doc

    nlp = build()
    manifest = [json.loads(l) for l in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = [((REPO / "corpus" / m["file"]).read_text(encoding="utf-8"), m) for m in manifest]
    batch, words = [], 0
    while words < args.words:
        for text, meta in texts:
            batch.append((text, meta))
            words += len(text.split())
    results = {"words": words, "articles": len(batch)}

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t_tok = best(lambda: [make_doc(nlp, t, m) for t, m in batch])
    results["tokenizer"] = {"seconds": round(t_tok, 3), "words_per_s": round(words / t_tok)}
    docs = [make_doc(nlp, t, m) for t, m in batch]
    for name in nlp.pipe_names:
        component = nlp.get_pipe(name)
        t = best(lambda: [component(d) for d in docs])
        for d in docs:            # leave the annotations in place for the next stage
            component(d)
        results[name] = {"seconds": round(t, 3), "words_per_s": round(words / t), "ratio_to_tokenizer": round(t_tok / t, 2)}
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    (REPO / "bench" / "results" / "stage_speed.json").write_text(json.dumps(results, indent=2))
    print("| step | seconds | words/s | speed vs tokenizer |\n|---|---|---|---|")
    for key, val in results.items():
        if isinstance(val, dict):
            print(f"| {key} | {val['seconds']} | {val['words_per_s']:,} | {val.get('ratio_to_tokenizer', 1.0)}× |")
    print(f"({words:,} words, {len(batch)} articles, best of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
