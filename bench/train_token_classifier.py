"""Fine-tune the bundled MiniLM (all-MiniLM-L6-v2) as a BIO token classifier for AGENCY/PROGRAMME.

    python bench/train_token_classifier.py            # train, score on dev, save models/names_minilm/

Same data as bench/train_names_ner.py: gold ``train`` sentences (non-metadata lines) plus
the gazetteer template sentences; the ``dev`` split picks the best epoch and is reported
(overlap P/R/F1 on whole dev lines, inferred the way the pipeline infers). Test is never read.
Fixed seed, CPU, a few epochs. Capitalisation is passed through ``token_type_ids`` (see
pipeline/stages/names/transformer.py). The model is saved in fp16 safetensors, as a spaCy pipeline
directory, only if it stays under the size limit (``--max-mb``, default 100).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import train_names_ner as data  # noqa: E402  (gold_examples, augmentation)

OUT = REPO / "models" / "names_minilm"
SEED = 0


def encode(tokenizer, text: str, ents, max_length: int = 128) -> dict:
    from pipeline.stages.names.transformer import BIO, case_type_ids

    enc = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    word_ids = enc.word_ids()
    labels = []
    for (s, e), w in zip(offsets, word_ids):
        if w is None:
            labels.append(-100)
            continue
        lab = "O"
        for es, ee, t in ents:
            if es <= s < ee:
                lab = ("B-" if not any(es <= s2 < s for (s2, e2) in offsets if e2 > s2) else "I-") + t
                break
        labels.append(BIO.index(lab))
    return {"input_ids": enc["input_ids"], "token_type_ids": case_type_ids(text, offsets, word_ids), "labels": labels}


def collate(batch, pad_id: int):
    import torch

    width = max(len(b["input_ids"]) for b in batch)
    def pad(key, value):
        return torch.tensor([b[key] + [value] * (width - len(b[key])) for b in batch])
    return {"input_ids": pad("input_ids", pad_id), "token_type_ids": pad("token_type_ids", 0),
            "attention_mask": torch.tensor([[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch]),
            "labels": pad("labels", -100)}


def overlap_prf(gold: list, pred: list) -> dict:
    """Overlap P/R/F1 per type over (example, start, end, type) lists, one-to-one greedy matching."""
    out = {}
    for t in ("AGENCY", "PROGRAMME"):
        g = [x for x in gold if x[3] == t]
        p = [x for x in pred if x[3] == t]
        used, tp = set(), 0
        for gi in g:
            for j, pj in enumerate(p):
                if j not in used and pj[0] == gi[0] and pj[1] < gi[2] and gi[1] < pj[2]:
                    used.add(j)
                    tp += 1
                    break
        prec = tp / len(p) if p else 0.0
        rec = tp / len(g) if g else 0.0
        out[t] = {"p": round(prec, 4), "r": round(rec, 4), "f1": round(2 * prec * rec / (prec + rec), 4) if tp else 0.0,
                  "gold": len(g), "pred": len(p)}
    return out


def evaluate_lines(names, lines) -> dict:
    gold, pred = [], []
    for i, (text, ents) in enumerate(lines):
        gold += [(i, s, e, t) for s, e, t in ents]
        pred += [(i, s, e, t) for s, e, t in names.predict(text, [(0, len(text))])]
    return overlap_prf(gold, pred)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--output", type=Path, default=OUT)
    ap.add_argument("--max-mb", type=float, default=100.0, help="save only below this size")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    args = ap.parse_args(argv)

    import numpy as np
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from pipeline.stages.names.embeddings import model_dir
    from pipeline.stages.names.transformer import BIO, MiniLMNames, save_pipeline

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(args.threads or torch.get_num_threads())
    t0 = time.time()
    base = model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(
        base, local_files_only=True, num_labels=len(BIO),
        id2label=dict(enumerate(BIO)), label2id={lab: i for i, lab in enumerate(BIO)})
    train = data.gold_examples("train") + data.augmentation()
    dev_lines = data.gold_examples("dev", sentences=False)
    features = [encode(tokenizer, text, ents) for text, ents in train]
    print(f"train: {len(features)} sentences; dev: {len(dev_lines)} lines", flush=True)

    # the new classification head learns at 10x the encoder's rate, so a few epochs suffice
    head = [p for n, p in model.named_parameters() if n.startswith("classifier.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("classifier.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.lr * 10}],
                                  weight_decay=0.01)
    steps = args.epochs * ((len(features) + args.batch_size - 1) // args.batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    rng = random.Random(SEED)
    names = MiniLMNames.__new__(MiniLMNames)
    names.tokenizer, names.model, names.batch_size = tokenizer, model, 16
    names.id2label = dict(enumerate(BIO))
    best, best_state, history = -1.0, None, []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = list(range(len(features)))
        rng.shuffle(order)
        # length buckets (sorted within chunks of 8 batches) cut padding; batch order shuffled again
        chunk = args.batch_size * 8
        order = [i for c in range(0, len(order), chunk)
                 for i in sorted(order[c:c + chunk], key=lambda i: len(features[i]["input_ids"]))]
        batches = [order[b:b + args.batch_size] for b in range(0, len(order), args.batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for ids in batches:
            batch = collate([features[i] for i in ids], tokenizer.pad_token_id)
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            total += loss.item()
        train_time = time.time() - t0
        if epoch < args.epochs // 2:                  # too early to be the best: skip the dev pass
            history.append({"epoch": epoch, "loss": round(total, 3), "seconds_after_train": round(train_time, 1)})
            print(json.dumps(history[-1]), flush=True)
            continue
        model.eval()
        dev = evaluate_lines(names, dev_lines)
        f1 = (dev["AGENCY"]["f1"] + dev["PROGRAMME"]["f1"]) / 2
        history.append({"epoch": epoch, "loss": round(total, 3), "dev": dev, "seconds_after_train": round(train_time, 1),
                        "seconds_after_dev": round(time.time() - t0, 1)})
        print(json.dumps(history[-1]), flush=True)
        if f1 > best:
            best, best_state = f1, {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    elapsed = time.time() - t0
    best_epoch = max((h for h in history if "dev" in h), key=lambda h: (h["dev"]["AGENCY"]["f1"] + h["dev"]["PROGRAMME"]["f1"]) / 2)
    summary = {"train_seconds": round(elapsed, 1), "epochs": args.epochs, "best_epoch": best_epoch["epoch"],
               "dev_overlap_lines": best_epoch["dev"], "saved": None}
    if not args.no_save:
        tmp = args.output.with_name(args.output.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        save_pipeline(model, tokenizer, tmp)
        size = dir_size(tmp)
        summary["size_bytes"] = size
        if size < args.max_mb * 1e6:
            if args.output.exists():
                shutil.rmtree(args.output)
            tmp.rename(args.output)
            summary["saved"] = str(args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output)
        else:
            shutil.rmtree(tmp)
            print(f"not saved: {size / 1e6:.1f} MB is over {args.max_mb} MB", flush=True)
    (REPO / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (REPO / "bench" / "results" / "names_minilm_train.json").write_text(json.dumps({**summary, "history": history}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
