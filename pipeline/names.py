"""Names stage (``govnews_names``): AGENCY and PROGRAMME mentions with canonical keys.

Requires: ``doc._.lines`` (segment); runs after quantities and dates so it can drop
their mentions inside a name ("14th Five-Year Plan", "ten-year fishing ban").
Assigns: ``doc.spans["agency"]``, ``doc.spans["programme"]`` with ``span._.canonical``,
``span._.prog_kind`` and ``span._.rule``.

Sources (see README, ablation): (a) rules — capitalised-name runs with agency or
programme head nouns, quoted names, and a gazetteer of acronyms and coined policy terms,
all from ``resources/names/*.jsonl``; (b) an optional trained spaCy NER (``model``), whose
entities are merged with the rules (rules win on overlap).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from spacy.language import Language
from spacy.tokens import Doc

from . import extensions  # noqa: F401
from . import names_transformer  # noqa: F401  (registers govnews_minilm_names, so model= can name models/names_minilm)
from .linking import canonical_key
from .resources import load_rows
from .segment import allowed_lines

# A name token is one capitalised word: glued scraping ("BureauThe") ends a token at the
# lower→upper boundary, the way the tokenizer's infix does.
NAME_TOKEN = r"(?:No\.\s?\d+|U\.S\.|U\.K\.|[A-Z]{2,}(?![a-z])|[A-Z][a-z0-9'’]*(?:-[A-Za-z0-9][a-z0-9'’]*)*|(?<!\d)\d+(?:st|nd|rd|th))"
CONNECTOR = r"(?:and|of|for|the|on|in|&|'s|’s|de|,)"
QUOTES = {"\"": "\"", "“": "”", "”": "”", "‘": "’", "'": "'"}


@dataclass
class NameHit:
    start: int
    end: int
    label: str
    canonical: str | None
    kind: str | None
    rule: str


@lru_cache(maxsize=1)
def head_lists() -> dict[str, dict[str, str | None]]:
    table: dict[str, dict[str, str | None]] = {}
    for row in load_rows("names", "heads"):
        table.setdefault(row["type"], {})[row["surface"]] = row.get("kind")
    return table


@lru_cache(maxsize=1)
def gazetteer() -> tuple[list[dict], re.Pattern[str], re.Pattern[str]]:
    rows = list(load_rows("names", "gazetteer"))
    cs = [r["surface"] for r in rows if not r.get("lower")]
    ci = [r["surface"] for r in rows if r.get("lower")]
    def alt(words):
        return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return rows, re.compile(rf"(?<![\w-])(?:{alt(cs)})(?![\w-])"), re.compile(rf"(?<![\w-])(?:{alt(ci)})(?![\w-])", re.I)


@lru_cache(maxsize=1)
def designation_patterns() -> list[tuple[str, re.Pattern[str], str]]:
    return [(r["id"], re.compile(r["pattern"], re.I), r["kind"]) for r in load_rows("names", "designations")]


# Bounded: a name has at most 60 more tokens and 4 connectors in a row, so a page of "Bureau and
# Bureau and ..." is cut into runs instead of recursing once per "and" (RecursionError, issue 10).
RUN_RE = re.compile(rf"{NAME_TOKEN}(?:(?:,?\s+|-)(?:(?:and|of|for|the|on|in|&|'s|’s|de)\s+){{0,4}}{NAME_TOKEN}){{0,60}}")
QUOTED_RE = re.compile(r"[\"“]([^\"“”\n]{2,120})[\"”]")


class NameExtractor:
    def __init__(self) -> None:
        heads = head_lists()
        self.agency_heads = set(heads["agency_head"])
        self.programme_heads = heads["programme_head"]
        self.person_titles = set(heads["person_title"])
        self.event_words = set(heads["event_word"])
        self.generic = set(heads["generic_modifier"])
        self.gaz_rows, self.gaz_cs, self.gaz_ci = gazetteer()
        self.gaz_index = {(r["surface"].lower() if r.get("lower") else r["surface"]): r for r in self.gaz_rows}

    # -- helpers ---------------------------------------------------------------------------
    def _words(self, text: str) -> list[str]:
        return re.findall(r"[\w'’.-]+", text)

    def _has_agency_head(self, text: str) -> bool:
        words = self._words(text)
        if "Group" in words and not any(w in ("Leading", "Leadership", "Working", "Inspection", "Steering", "Expert") for w in words):
            words = [w for w in words if w != "Group"]     # "Chongqing Water Group" is a company
        return any(w in self.agency_heads for w in words)

    def _programme_head(self, text: str) -> str | None:
        words = self._words(text)
        for w in reversed(words):
            if w in self.programme_heads:
                return self.programme_heads[w] or "policy"
        return None

    def _trim_run(self, line: str, start: int, end: int) -> tuple[int, int]:
        text = line[start:end]
        # Leading article and sentence-initial function words are not part of a name.
        m = re.match(r"(?:The|A|An|In|On|At|By|From|With|For|As|Of|And|Its|This|That|These|Under|Since|During)\s+", text)
        if m:
            start += m.end()
        text = line[start:end]
        m = re.search(rf"(?:\s+(?:{CONNECTOR}))+\s*$", text)
        if m:
            end = start + m.start()
        return start, end

    def _cut_titles_and_events(self, line: str, start: int, end: int) -> tuple[int, int]:
        """'Deputy Director of X Bureau' → 'X Bureau'; 'Third Plenary Session of the 20th Central Committee' → the committee."""
        text = line[start:end]
        while True:
            m = re.search(r"\s+of\s+(?:the\s+)?", text)
            if not m:
                break
            left = text[:m.start()]
            left_words = set(self._words(left))
            if (left_words & self.person_titles or left_words & self.event_words) and not (left_words & self.agency_heads):
                start += m.end()
                text = line[start:end]
                continue
            break
        return start, end

    def _split_coordination(self, line: str, start: int, end: int) -> list[tuple[int, int]]:
        """'X Party Committee and Municipal Government' → two names when both sides carry a head noun."""
        text = line[start:end]
        parts = [(start, end)]
        for m in re.finditer(r"\s+(?:and|&)\s+", text):
            left, right = text[:m.start()], text[m.end():]
            right_first = re.split(r"\s+of\s+", right)[0]
            left_last = re.split(r"\s+of\s+", left)[-1]
            if self._has_agency_head(left_last) and self._has_agency_head(right_first) and not re.search(r"\bof\s", right):
                right_start = start + m.end()
                article = re.match(r"the\s+", line[right_start:end])
                parts = [(start, start + m.start()), (right_start + (article.end() if article else 0), end)]
                break
        return parts

    def _split_programmes(self, line: str, start: int, end: int) -> list[tuple[int, int]]:
        """'14th Five-Year Plan and the Blue Sky Campaign' → two names (both sides end in a head)."""
        text = line[start:end]
        for m in re.finditer(r"\s+(?:and|&)\s+(?:the\s+)?", text):
            left = text[:m.start()]
            if left.split() and left.split()[-1] in self.programme_heads:
                return [(start, start + m.start())] + self._split_programmes(line, start + m.end(), end)
        return [(start, end)]

    # -- extraction ------------------------------------------------------------------------
    def extract_line(self, line: str) -> list[NameHit]:
        hits: list[NameHit] = []
        for m in self.gaz_cs.finditer(line):
            hits.extend(self._gaz_hit(line, m.start(), m.end(), m.group(0)))
        for m in self.gaz_ci.finditer(line):
            hits.extend(self._gaz_hit(line, m.start(), m.end(), m.group(0).lower()))
        for m in QUOTED_RE.finditer(line):
            hits.extend(self._quoted(line, m))
        for rule_id, pattern, kind in designation_patterns():
            for m in pattern.finditer(line):
                hits.append(NameHit(m.start(), m.end(), "PROGRAMME", None, kind, f"names_{rule_id}"))
        for m in RUN_RE.finditer(line):
            hits.extend(self._run(line, m.start(), m.end()))
        return _select(hits)

    def _gaz_hit(self, line: str, start: int, end: int, key: str) -> list[NameHit]:
        row = self.gaz_index.get(key)
        if row is None:
            return []
        if row.get("quoted_only") and not (start > 0 and line[start - 1] in QUOTES and end < len(line) and line[end] in "\"”’'"):
            return []
        return [NameHit(start, end, row["type"], row["canonical"], row.get("kind"), "names_gazetteer")]

    def _quoted(self, line: str, m: re.Match[str]) -> list[NameHit]:
        inner = m.group(1).strip()
        # the name is the quoted text without the spaces inside the quotes (a mention never starts with one)
        start = m.start(1) + len(m.group(1)) - len(m.group(1).lstrip())
        end = m.end(1) - (len(m.group(1)) - len(m.group(1).rstrip()))
        words = self._words(inner)
        if not words or len(words) > 20:
            return []
        after = line[m.end():m.end() + 60].lower()
        generic_head = re.match(r"\s*(?:[a-z-]+\s+){0,3}?(mobile app|application system|app|application|system|platform|campaign|action|initiative|project|programme|program|model|mechanism|brand|pilot|base|policy|reform|strategy)\b", after)
        titled = re.match(r"\s+((?:[A-Z][\w'-]*\s+(?:(?:and|of|the|for)\s+)*)*[A-Z][\w'-]*)", line[m.end():])
        if titled and self._programme_head(titled.group(1)) and not self._has_agency_head(titled.group(1)):
            # '"Two Mountains" Practice and Innovation Base': the name continues past its inner quotes
            return [NameHit(m.start(), m.end() + titled.end(), "PROGRAMME", None,
                            self._programme_head(titled.group(1)), "names_quoted_continued")]
        capitalised = sum(1 for w in words if w[:1].isupper()) >= max(1, (len(words) + 1) // 2)
        kind = self._programme_head(inner)
        if self._has_agency_head(inner) and not kind:
            return []
        if len(words) == 1 and not generic_head:
            return []                                   # "Agreement": a back-reference in quotes
        if kind and capitalised:
            return [NameHit(start, end, "PROGRAMME", None, kind, "names_quoted_title")]
        if generic_head and (capitalised or len(words) <= 4):
            head = generic_head.group(1)
            k = "platform" if head in ("mobile app", "application system", "app", "application", "system", "platform") else "campaign" if head in ("campaign", "action", "initiative") else "designation" if head in ("base", "pilot", "model", "brand") else "policy"
            return [NameHit(start, end, "PROGRAMME", None, k, "names_quoted_generic_head")]
        if capitalised and 2 <= len(words) <= 8 and not re.search(r"[.!?;:]", inner) and inner == m.group(1) and inner[:1].isalnum():
            return [NameHit(start, end, "PROGRAMME", None, "project", "names_quoted_titlecase")]
        return []

    def _run(self, line: str, start: int, end: int, coordinated: bool = False) -> list[NameHit]:
        # "X Government and China Development Bank", "NDRC and the Ministry of ...", "Group and Director of ...",
        # "X Department of Ecology and Environment and the Y Bureau": a coordination after a complete name
        # starts a new name.
        for m in re.finditer(r",?\s+(?:and|&)\s+(the\s+)?", line[start:end]):
            left = line[start:start + m.start()]
            right = line[start + m.end():end]
            left_last = left.split()[-1:] or [""]
            strong = m.group(1) is not None and ((self._has_agency_head(left) and self._has_agency_head(right))
                                                  or (self._programme_head(left) and self._programme_head(right)))
            if strong or left_last[0] in self.agency_heads or re.fullmatch(r"[A-Z]{2,}", left_last[0]):
                return (self._run(line, start, start + m.start(), coordinated=True)
                        + self._run(line, start + m.end(), end, coordinated=True))
        # "The State Council's Action Plan ...": a body's possessive programme is two names
        poss = re.search(r"['’]s\s+", line[start:end])
        if poss and self._has_agency_head(line[start:start + poss.start()]) is False and self._programme_head(line[start + poss.end():end]):
            pass
        if poss and self._programme_head(line[start + poss.end():end]) and not self._programme_head(line[start:start + poss.start()]):
            left_hits = [NameHit(h.start, h.end, "AGENCY", h.canonical, None, h.rule) for h in self._run(line, start, start + poss.start(), coordinated=True)]
            return left_hits + self._run(line, start + poss.end(), end, coordinated=True)
        start, end = self._trim_run(line, start, end)
        if end <= start:
            return []
        start, end = self._cut_titles_and_events(line, start, end)
        # "European Commission in October": a locative/temporal tail without a head noun is not part of the name
        for m in re.finditer(r"\s+(?:in|on)\s+", line[start:end]):
            right = line[start + m.end():end]
            if self._programme_head(line[start:start + m.start()]):
                continue                                # "Law of the PRC on Yangtze River Protection": the title goes on
            if not self._has_agency_head(right) and not self._programme_head(right):
                end = start + m.start()
                break
        text = line[start:end]
        words = self._words(text)
        if not words:
            return []
        kind = self._programme_head(text)
        first_part = re.split(r"\s+(?:of|for)\s+", text)[0]
        if kind and self._has_agency_head(first_part) and not self._programme_head(first_part):
            kind = None                                 # "Joint Office for Promoting the River Chief System" is a body
        last_content = [w for w in words if w.lower() not in ("and", "of", "the", "for", "on", "in")]
        if kind and last_content and last_content[-1] in self.programme_heads or (kind and re.search(r"\b(Plan|Law|Act|Regulations|Agreement|Strategy|Campaign)\s+(?:for|on|of)\b", text)):
            # A year right after an official title stays inside it ("Water Act 2014").
            m_year = re.match(r"\s+(19|20)\d\d\b", line[end:])
            if m_year and last_content[-1] in ("Act", "Plan", "Strategy", "Regulations"):
                end += m_year.end()
            if len(last_content) < 2:
                return []                               # "the Plan": anaphoric
            out = []
            for s, e in self._split_programmes(line, start, end):
                k = self._programme_head(line[s:e])
                if k and len([w for w in self._words(line[s:e]) if w[:1].isupper() or w[:1].isdigit()]) >= 2:
                    out.append(NameHit(s, e, "PROGRAMME", None, k, "names_programme_head"))
            return out
        if self._has_agency_head(text):
            out = []
            for s, e in self._split_coordination(line, start, end):
                part = line[s:e]
                content = [w for w in self._words(part) if w not in self.generic and w.lower() not in ("and", "of", "the")]
                if all(w in self.agency_heads for w in content) and not (s != start) and not coordinated:
                    continue                            # "the Bureau", "Municipal Government" alone: anaphoric
                if not content:
                    continue
                if not any(w in self.agency_heads for w in self._words(part)):
                    continue
                out.append(NameHit(s, e, "AGENCY", None, None, "names_agency_head"))
            return out
        return []


def _select(hits: list[NameHit]) -> list[NameHit]:
    """Longest first, no overlaps; gazetteer keys survive on exact ties."""
    chosen: list[NameHit] = []
    starts: list[int] = []           # chosen hits are disjoint: sorted starts/ends and bisect (issue 10)
    ends: list[int] = []
    for h in sorted(hits, key=lambda h: (-(h.end - h.start), h.rule != "names_gazetteer", h.start)):
        i = bisect_left(starts, h.end)
        if i and ends[i - 1] > h.start:
            continue
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)


def _dominant_jurisdiction(names) -> str | None:
    """Most frequent leading place word of the document's agency names (Chongqing, Sichuan, ...)."""
    from collections import Counter

    counts = Counter()
    for name in names:
        m = re.match(r"(?:the\s+)?([A-Z][a-z]+)\s+(?:Municipal|Provincial|City|District|County)\b", name)
        if m:
            counts[m.group(1)] += 1
    return counts.most_common(1)[0][0] if counts else None


def name_hits(doc: Doc, extractor: NameExtractor) -> Iterator[tuple[NameHit, int, int]]:
    for line_start, _, line in allowed_lines(doc):
        for hit in extractor.extract_line(line):
            yield hit, line_start + hit.start, line_start + hit.end


class NamesComponent:
    def __init__(self, nlp: Language, name: str, model: str | None):
        self.name = name
        self.extractor = NameExtractor()
        self.model_path = model
        self._ner = None

    def _model_hits(self, doc: Doc) -> list[NameHit]:
        if not self.model_path:
            return []
        if self._ner is None:
            import spacy

            self._ner = spacy.load(self.model_path)
        ner_doc = self._ner(doc.text)
        return [NameHit(e.start_char, e.end_char, e.label_, None, None, "names_spacy_ner") for e in ner_doc.ents
                if e.label_ in ("AGENCY", "PROGRAMME")]

    def __call__(self, doc: Doc) -> Doc:
        from .quantities import make_span
        from .segment import mention_allowed

        hits = [(h, s, e) for h, s, e in name_hits(doc, self.extractor)]
        if self.model_path:
            taken = [(s, e) for _, s, e in hits]
            for h in self._model_hits(doc):
                if mention_allowed(doc, h.start, h.end) and not any(h.start < e and s < h.end for s, e in taken):
                    hits.append((h, h.start, h.end))
        agencies, programmes = [], []
        raw = doc.text  # Doc.text re-joins every token: read it once (issue 10)
        jurisdiction = _dominant_jurisdiction(raw[s:e] for h, s, e in hits if h.label == "AGENCY")
        for hit, start, end in sorted(hits, key=lambda x: x[1]):
            span = make_span(doc, start, end, hit.label)
            if span is None:
                continue
            text = raw[start:end]
            if hit.label == "AGENCY" and jurisdiction and re.match(r"(?:the\s+)?(?:Municipal|Provincial|City)\b", text):
                # "Municipal Party Committee" in a Chongqing article is Chongqing's
                span._.canonical = canonical_key(f"{jurisdiction} {text}", hit.canonical)
            else:
                span._.canonical = canonical_key(text, hit.canonical)
            span._.prog_kind = hit.kind if hit.label == "PROGRAMME" else None
            span._.rule = hit.rule
            (agencies if hit.label == "AGENCY" else programmes).append(span)
        doc.spans["agency"] = agencies
        doc.spans["programme"] = programmes
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


@Language.factory("govnews_names", assigns=["doc.spans"], requires=["doc._.lines"], default_config={"model": None})
def make_names(nlp: Language, name: str, model: str | None) -> NamesComponent:
    return NamesComponent(nlp, name, model)
