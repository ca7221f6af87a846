"""Train the small spaCy NER for AGENCY and PROGRAMME names (models/names_ner/).

One command rebuilds the model from the repository (fixed seed, CPU, a few minutes):

    python bench/train_names_ner.py

Data
  * gold ``train`` split only (annotations/gold.jsonl + corpus/<doc_id>.txt): every line that
    is not metadata or boilerplate (gold line kinds), cut into sentences at boundaries that
    no gold name crosses; AGENCY and PROGRAMME spans only (QUANTITY and DATE ignored);
  * gazetteer augmentation: sentences built from pipeline/resources/names/gazetteer.jsonl
    names in fixed templates (agency, programme, both, and negatives with generic or
    anaphoric mentions such as "the Bureau", "relevant departments", "the Plan");
  * gold ``dev`` split: only to pick the best checkpoint (spaCy's model-best, by ents_f).
    The test split is never read.

Model
  blank English (tokenizer with the govnews glued-word infixes baked in, so "BureauThe" splits
  at load time without the govnews package) + tok2vec (HashEmbedCNN width 96, depth 4) + ner.
  The training config is models/names_ner/config.cfg; the trained pipeline is written beside
  it (models/names_ner/ is itself the spaCy pipeline: ``spacy.load("models/names_ner")``).
  Only the best checkpoint is kept (spaCy's model-last is deleted).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO / "models" / "names_ner"
CONFIG = MODEL_DIR / "config.cfg"
LABELS = ("AGENCY", "PROGRAMME")
EXCLUDED_KINDS = {"metadata", "boilerplate"}
SEED = 0
# pipeline files written by spaCy into a model directory (replaced on rebuild; config.cfg is kept)
MODEL_FILES = ("meta.json", "tokenizer", "vocab", "tok2vec", "ner")

sys.path.insert(0, str(REPO))


# --- gold examples ------------------------------------------------------------------------------
Example = tuple[str, list[tuple[int, int, str]]]

SENT_END = re.compile(r"(?<=[.!?;])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")


def _line_ranges(text: str, record: dict) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line whose gold kind is not metadata/boilerplate."""
    kinds = {ln["start"]: ln["kind"] for ln in record.get("lines", [])}
    out, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if line.strip() and kinds.get(start, "body") not in EXCLUDED_KINDS:
            out.append((start, end))
    return out


def _sentences(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Cut a line into sentences at boundaries that no name crosses."""
    cuts = [start]
    for m in SENT_END.finditer(text, start, end):
        cut = m.end()
        if any(s < cut < e for s, e, _ in spans):
            continue
        cuts.append(cut)
    cuts.append(end)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        seg = text[a:b]
        lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


def gold_examples(split: str, sentences: bool = True) -> list[Example]:
    """Sentence (or whole-line) examples of one gold split with their AGENCY/PROGRAMME spans."""
    from pipeline.evaluate import load_jsonl, select_split

    if split == "test":
        raise ValueError("the test split is never used for training or model selection")
    examples: list[Example] = []
    for rec in select_split(load_jsonl(REPO / "annotations" / "gold.jsonl"), split):
        text = (REPO / "corpus" / f"{rec['doc_id']}.txt").read_text(encoding="utf-8")
        names = [(m["start"], m["end"], m["type"]) for m in rec["mentions"] if m["type"] in LABELS]
        for ls, le in _line_ranges(text, rec):
            pieces = _sentences(text, ls, le, names) if sentences else [(ls, le)]
            for a, b in pieces:
                ents = [(s - a, e - a, t) for s, e, t in names if a <= s and e <= b]
                examples.append((text[a:b], ents))
    return examples


# --- gazetteer augmentation -----------------------------------------------------------------------
AGENCY_TEMPLATES = [
    "The {A} said on Tuesday that the work would continue.",
    "According to the {A}, the number of good-air days rose this year.",
    "Officials from the {A} attended the meeting in the afternoon.",
    "{A} released its annual report on the state of the environment.",
    "A spokesperson for the {A} told reporters that inspections had been stepped up.",
    "The plan was drafted jointly by the {A} and local governments.",
    "Data published by the {A} show that water quality improved.",
    "In March, the {A} issued a notice on the monitoring of key enterprises.",
    "The inspection team reported its findings to the {A} last week.",
    "Experts invited by the {A} reviewed the restoration project.",
    "The {A} will publish the list of pilot cities later this year.",
    "Under guidance from the {A}, the district closed 12 outfalls.",
]
PROGRAMME_TEMPLATES = [
    "The city has continued to implement the {P} across all districts.",
    "Under the {P}, emissions from key industries fell by 8%.",
    "The {P} was launched in 2021 and will run until 2025.",
    "Local officials said the {P} had brought visible results.",
    "Progress under the {P} was reviewed at the annual meeting.",
    "Funding for the {P} comes from both central and local budgets.",
    "Several counties were selected as part of the {P} this year.",
    "The report describes the {P} as a priority for the coming years.",
    "Enterprises that do not comply with the {P} face penalties.",
    "Residents were asked for their views on the {P}.",
]
QUOTED_TEMPLATES = [
    "The district promoted the “{P}” with a series of public events.",
    "Since the \"{P}\" began, more than 200 cases have been handled.",
    "Officials described the “{P}” as a long-term effort.",
]
BOTH_TEMPLATES = [
    "The {A} is responsible for carrying out the {P}.",
    "According to the {A}, the {P} has entered its third year.",
    "The {P} was approved by the {A} in June.",
    "In a statement, the {A} said the {P} would be expanded to more cities.",
]
NEGATIVE_SENTENCES = [
    "The Bureau said relevant departments would step up inspections.",
    "The Plan sets targets for air and water quality by 2025.",
    "Relevant departments and local governments were asked to report progress.",
    "The Ministry said the Law would be revised next year.",
    "The Department and the Commission held a joint press conference on Monday.",
    "The municipal government has set up a leading group on the matter.",
    "The provincial department said the campaign would continue.",
    "Environmental authorities at all levels stepped up law enforcement.",
    "The Committee reviewed the draft and asked for further revisions.",
    "Monitoring stations recorded 163 good-air days in the first half of the year.",
    "The Regulations came into force on 1 March.",
    "Party committees and governments at all levels took responsibility for the work.",
    "The city's ecological environment continued to improve in 2023.",
    "The Action will focus on industrial parks and key river basins.",
]


def gazetteer_rows() -> list[dict]:
    rows = []
    for line in (REPO / "pipeline" / "resources" / "names" / "gazetteer.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("type") in LABELS:
            rows.append(row)
    return rows


def _fill(template: str, values: dict[str, tuple[str, str]]) -> Example:
    text, ents, pos = "", [], 0
    for m in re.finditer(r"\{([AP])\}", template):
        text += template[pos:m.start()]
        name, label = values[m.group(1)]
        if m.start() == 0:
            name = name[:1].upper() + name[1:]
        ents.append((len(text), len(text) + len(name), label))
        text += name
        pos = m.end()
    text += template[pos:]
    return text, ents


def augmentation(per_name: int = 3, seed: int = SEED) -> list[Example]:
    """Template sentences with gazetteer names (fixed seed), plus negative sentences."""
    rng = random.Random(seed)
    rows = gazetteer_rows()
    agencies = [r["surface"] for r in rows if r["type"] == "AGENCY"]
    programmes = [r for r in rows if r["type"] == "PROGRAMME"]
    out: list[Example] = []
    for name in agencies:
        for tpl in rng.sample(AGENCY_TEMPLATES, per_name):
            out.append(_fill(tpl, {"A": (name, "AGENCY")}))
    for row in programmes:
        templates = QUOTED_TEMPLATES if row.get("quoted_only") else PROGRAMME_TEMPLATES
        for tpl in rng.sample(templates, min(per_name, len(templates))):
            out.append(_fill(tpl, {"P": (row["surface"], "PROGRAMME")}))
    for _ in range(len(agencies)):
        tpl = rng.choice(BOTH_TEMPLATES)
        out.append(_fill(tpl, {"A": (rng.choice(agencies), "AGENCY"), "P": (rng.choice(programmes)["surface"], "PROGRAMME")}))
    out.extend((s, []) for s in NEGATIVE_SENTENCES)
    return out


# --- spaCy side ---------------------------------------------------------------------------------------
def make_tokenizer_nlp():
    """Blank English with the govnews glued-word infixes (saved inside the model's tokenizer)."""
    import spacy
    from spacy.util import compile_infix_regex

    from pipeline.tokenizer import glued_word_infixes

    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = compile_infix_regex(list(nlp.Defaults.infixes) + glued_word_infixes()).finditer
    return nlp


def to_docbin(nlp, examples: list[Example]):
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    db, dropped = DocBin(), 0
    for text, ents in examples:
        doc = nlp.make_doc(text)
        spans = []
        for s, e, label in ents:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is None:
                dropped += 1
                continue
            spans.append(span)
        doc.ents = filter_spans(spans)
        db.add(doc)
    return db, dropped


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", type=Path, default=MODEL_DIR, help="model directory (default: models/names_ner)")
    ap.add_argument("--max-steps", type=int, default=None, help="override [training] max_steps")
    ap.add_argument("--no-augment", action="store_true", help="gold train sentences only (for comparison)")
    args = ap.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0" and argv is None:
        # label and feature sets are iterated in hash order while the model is initialised: fix it
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

    from spacy.cli.train import train

    t0 = time.time()
    nlp = make_tokenizer_nlp()
    train_ex = gold_examples("train")
    aug = [] if args.no_augment else augmentation()
    dev_ex = gold_examples("dev")
    with tempfile.TemporaryDirectory(prefix="names_ner_") as tmp:
        tmp = Path(tmp)
        db, dropped = to_docbin(nlp, train_ex + aug)
        db.to_disk(tmp / "train.spacy")
        dev_db, dev_dropped = to_docbin(nlp, dev_ex)
        dev_db.to_disk(tmp / "dev.spacy")
        print(f"train: {len(train_ex)} gold sentences + {len(aug)} gazetteer sentences "
              f"({sum(len(e) for _, e in train_ex)} + {sum(len(e) for _, e in aug)} names, {dropped} unaligned); "
              f"dev: {len(dev_ex)} sentences ({dev_dropped} unaligned)", flush=True)
        overrides = {"paths.train": str(tmp / "train.spacy"), "paths.dev": str(tmp / "dev.spacy")}
        if args.max_steps:
            overrides["training.max_steps"] = args.max_steps
        train(CONFIG, tmp / "out", use_gpu=-1, overrides=overrides)
        best = tmp / "out" / "model-best"
        # the govnews tokenizer infixes: training read pre-tokenised Docs; the saved tokenizer must split the same way
        import spacy

        trained = spacy.load(best)
        trained.tokenizer.infix_finditer = nlp.tokenizer.infix_finditer
        trained.tokenizer.to_disk(best / "tokenizer")
        scores = json.loads((best / "meta.json").read_text())["performance"]
        args.output.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            target = args.output / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            src = best / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, target)
        if args.output.resolve() != MODEL_DIR.resolve():
            shutil.copy2(CONFIG, args.output / "config.cfg")
        # model-last and the corpora are dropped with the temporary directory
    elapsed = time.time() - t0
    size = dir_size(args.output)
    summary = {"model": str(args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output),
               "train_seconds": round(elapsed, 1), "size_bytes": size,
               "train_sentences": len(train_ex), "augmentation_sentences": len(aug),
               "dev_ents_f": round(scores.get("ents_f", 0.0), 4), "dev_ents_per_type": scores.get("ents_per_type")}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
