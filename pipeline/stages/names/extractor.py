"""Names stage (``govnews_names``): AGENCY and PROGRAMME mentions with canonical keys.

Requires: ``doc._.lines`` (segment); runs after quantities and dates so it can drop
their mentions inside a name ("14th Five-Year Plan", "ten-year fishing ban").
Assigns: ``doc.spans["agency"]``, ``doc.spans["programme"]`` with ``span._.canonical``,
``span._.prog_kind`` and ``span._.rule``.

Sources (see README, ablation): (a) rules — capitalised-name runs with agency or
programme head nouns, quoted names, and a gazetteer of acronyms and coined policy terms,
all from ``pipeline/stages/names/resources/*.jsonl``; (b) an optional trained spaCy NER (``model``), whose
entities are merged with the rules (rules win on overlap).

The stage is split by responsibility (issue 19):

- ``lexicon.py``: the word lists, read from resources/ (unknown groups fail at load time);
- ``name_lines.py``: which lines are read (allowed lines minus page chrome);
- ``candidates.py``: finding candidate spans in a line (gazetteer, quotes, designations, head nouns, cues);
- ``trimming.py``: filtering and trimming a candidate to a name;
- ``definitions.py``: acronym/alias definitions and their uses (one key per body across the article);
- ``linking.py``: canonical keys; this module: the spaCy component that puts them together.

Structure kept in code here: a local body's name is recognised by its place word before a local
grade ("Chongqing Municipal ..."); the grades themselves are data (``name_words.jsonl``).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.extensions import raw_text
from pipeline.paths import REPO_DIR
from pipeline import extensions  # noqa: F401
from pipeline.stages.names import transformer as names_transformer  # noqa: F401  (registers govnews_minilm_names, so model= can name models/names_minilm)
from pipeline.stages.names.candidates import NameExtractor, NameHit, name_hits, repeated_names, standalone_bodies
from pipeline.stages.names.definitions import acronym_pass
from pipeline.stages.names.lexicon import alternation, head_lists, word_lists
from pipeline.stages.names.linking import canonical_key
from pipeline.stages.names.model_hits import SCOPES, all_hits, programme_hits
from pipeline.stages.names.name_lines import NAME_LINES_KEY, name_lines

__all__ = ["NameExtractor", "NameHit", "NamesComponent", "acronym_pass", "head_lists", "make_names", "name_hits",
           "name_lines", "standalone_bodies"]


@lru_cache(maxsize=1)
def _local_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(place word before a local grade, a name starting with a local prefix), from name_words.jsonl."""
    lists = word_lists()
    return (re.compile(rf"(?:the\s+)?([A-Z][a-z]+)\s+(?:{alternation(lists['local_grade'])})\b"),
            re.compile(rf"(?:the\s+)?(?:{alternation(lists['local_prefix'])})\b"))


def _dominant_jurisdiction(names: Iterable[str]) -> str | None:
    """Most frequent leading place word of the document's agency names (Chongqing, Sichuan, ...)."""
    counts: Counter[str] = Counter()
    grade = _local_patterns()[0]
    for name in names:
        m = grade.match(name)
        if m:
            counts[m.group(1)] += 1
    return counts.most_common(1)[0][0] if counts else None


class NamesComponent:
    def __init__(self, nlp: Language, name: str, model: str | None, model_scope: str = "all") -> None:
        if model_scope not in SCOPES:
            raise ValueError(f"govnews_names: model_scope must be one of {SCOPES}, not {model_scope!r}")
        self.name = name
        self.extractor = NameExtractor()
        self.model_path = model
        self.model_scope = model_scope
        self._ner: Language | None = None

    def _model_hits(self, doc: Doc, raw: str, taken: list[tuple[int, int]]) -> list[NameHit]:
        """The NER's hits that overlap no rule hit, in the configured scope (``model_hits.py``)."""
        if not self.model_path:
            return []
        if self._ner is None:
            import spacy

            path = Path(self.model_path)                # a relative path is the repository's (like line_model)
            self._ner = spacy.load(path if path.is_absolute() or path.exists() else REPO_DIR / path)
        if self.model_scope == "programme":
            return programme_hits(self._ner, self.extractor.lex, name_lines(doc, raw), taken)
        from pipeline.stages.segment.lines import mention_allowed

        return [h for h in all_hits(self._ner, raw)
                if mention_allowed(doc, h.start, h.end) and not any(h.start < e and s < h.end for s, e in taken)]

    def __call__(self, doc: Doc) -> Doc:
        from pipeline.stages.quantities.extractor import make_span

        raw = raw_text(doc)  # Doc.text re-joins every token: read it once (issue 10)
        hits = [(h, s, e) for h, s, e in name_hits(doc, self.extractor, raw)]
        if self.model_path:
            hits += [(h, h.start, h.end) for h in self._model_hits(doc, raw, [(s, e) for _, s, e in hits])]
        hits, doc._.aliases = acronym_pass(doc, raw, hits, self.extractor)
        hits = hits + standalone_bodies(doc, hits, self.extractor)
        hits = hits + repeated_names(doc, hits)
        agencies: list[Span] = []
        programmes: list[Span] = []
        jurisdiction = _dominant_jurisdiction(raw[s:e] for h, s, e in hits if h.label == "AGENCY")
        for hit, start, end in sorted(hits, key=lambda x: x[1]):
            span = make_span(doc, start, end, hit.label)
            if span is None:
                continue
            text = raw[start:end]
            if hit.rule.startswith(("names_acronym", "names_alias", "names_standalone")):
                span._.canonical = hit.canonical
            elif hit.label == "AGENCY" and jurisdiction and _local_patterns()[1].match(text):
                # "Municipal Party Committee" in a Chongqing article is Chongqing's
                span._.canonical = canonical_key(f"{jurisdiction} {text}", hit.canonical)
            else:
                span._.canonical = canonical_key(text, hit.canonical)
            span._.prog_kind = hit.kind if hit.label == "PROGRAMME" else None
            span._.rule = hit.rule
            (agencies if hit.label == "AGENCY" else programmes).append(span)
        doc.spans["agency"] = agencies
        doc.spans["programme"] = programmes
        doc.user_data.pop(NAME_LINES_KEY, None)
        # Numbers and dates inside a name are part of the name, not mentions of their own.
        names = sorted((s.start_char, s.end_char) for s in agencies + programmes)
        name_starts = [a for a, _ in names]
        reach, far = [], -1              # reach[i]: the furthest end among names[:i + 1] (bisect, not a scan)
        for _, b in names:
            far = max(far, b)
            reach.append(far)
        for group in ("quantity", "date"):
            if group in doc.spans:
                doc.spans[group] = [s for s in doc.spans[group]
                                    if not (i := bisect_right(name_starts, s.start_char)) or reach[i - 1] < s.end_char]
        return doc


@Language.factory("govnews_names", assigns=["doc.spans"], requires=["doc._.lines"],
                  default_config={"model": None, "model_scope": "all"})
def make_names(nlp: Language, name: str, model: str | None, model_scope: str = "all") -> NamesComponent:
    return NamesComponent(nlp, name, model, model_scope)
