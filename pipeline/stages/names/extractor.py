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

from pipeline.extensions import raw_text
from pipeline import extensions  # noqa: F401
from pipeline.stages.names import transformer as names_transformer  # noqa: F401  (registers govnews_minilm_names, so model= can name models/names_minilm)
from pipeline.stages.names.acronyms import find_definitions, valid_short_form
from pipeline.stages.names.linking import HEAD_WORDS, alias_table, canonical_key, normalise
from pipeline.resources import load_rows
from pipeline.stages.segment.lines import allowed_lines

# A name token is one capitalised word: glued scraping ("BureauThe") ends a token at the
# lower→upper boundary, the way the tokenizer's infix does.
NAME_TOKEN = r"(?:No\.\s?\d+|U\.S\.|U\.K\.|[A-Z]{2,}(?![a-z])|[A-Z][a-z]+[A-Z]{2,}\d*(?![a-z])|[A-Z][a-z0-9'’]*(?:[-–][A-Za-z0-9][a-z0-9'’]*)*|(?<!\d)\d+(?:st|nd|rd|th))"
CONNECTOR = r"(?:and|of|for|the|on|in|&|'s|’s|de|,)"
HEAD_WORD_SET = frozenset(HEAD_WORDS)
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


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    """Single-word place names from the jurisdiction cues (resources/quantities/jurisdictions.jsonl)."""
    words = set()
    for row in load_rows("quantities", "jurisdictions"):
        for cue in row.get("cues", []):
            words.update(w for w in cue.split() if w[:1].isupper())
    return frozenset(words)


@lru_cache(maxsize=1)
def context_cues() -> list[tuple[str, str, str, re.Pattern[str]]]:
    """(id, type, side, pattern) from resources/names/cues.jsonl; 'before' patterns are anchored at the end."""
    out = []
    for r in load_rows("names", "cues"):
        pat = r["pattern"] if r["side"] == "before" else r"^[\s,]*" + r["pattern"]
        out.append((r["id"], r["type"], r["side"], re.compile(pat, re.I)))
    return out


@lru_cache(maxsize=1)
def programme_before_cue() -> re.Pattern[str]:
    """All 'before' PROGRAMME cues as one pattern: a cheap first test before a run is looked at closely."""
    return re.compile("|".join(f"(?:{p.pattern})" for _, t, side, p in context_cues() if t == "PROGRAMME" and side == "before"), re.I)


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
        self.place_words = set(heads.get("place_word", ()))
        standalone = sorted(heads.get("standalone_body", ()), key=len, reverse=True)
        self.standalone_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in standalone) + r")(?![\w-])") if standalone else None
        self.places = _place_names()
        self.gaz_rows, self.gaz_cs, self.gaz_ci = gazetteer()
        self.gaz_index = {(r["surface"].lower() if r.get("lower") else r["surface"]): r for r in self.gaz_rows}
        self.curated_keys = frozenset(r["canonical"] for r in self.gaz_rows) | frozenset(alias_table().values())

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
        m = re.match(r"(?:The|A|An|In|On|At|By|From|With|For|As|Of|And|Its|This|That|These|Under|Since|During|the)\s+", text)
        if m:
            start += m.end()
        text = line[start:end]
        # A leading date, event name or clause is not part of the name ("Today, the Commission",
        # "Earth Day, the U.S. Environmental Protection Agency"): a comma-separated lead without any
        # head noun is cut off (issue 25).
        while True:
            m = re.match(r"([^,]+),\s+(?:the\s+)?", text)
            if not m or self._has_agency_head(m.group(1)) or self._programme_head(m.group(1)) \
                    or re.fullmatch(r"[A-Z]{2,}[a-z]?", m.group(1).strip()):
                break
            if re.search(r"\b(?:of|for)\s+(?:the\s+)?[^,]*$", line[max(0, start - 40):start]) and m.start() == 0 and \
                    self._has_agency_head(line[max(0, start - 40):start]):
                break                               # "Department of Forestry, Fisheries ...": a list inside the name
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

    def _cut_after_head(self, line: str, start: int, end: int) -> int:
        """A body's name ends at its last head noun unless an of/for/on tail follows it: 'Environmental
        Audit Committee Chair Philip Dunne MP' → the committee; 'City Council Approves ...' (a title-case
        headline) → 'City Council' (issue 25)."""
        tokens = list(re.finditer(r"[\w'’.&-]+", line[start:end]))
        last = max((i for i, t in enumerate(tokens) if t.group(0) in self.agency_heads), default=None)
        if last is None or last == len(tokens) - 1:
            return end
        nxt = tokens[last + 1].group(0)
        if nxt in ("of", "for", "on", "to", "in", "and", "&") or nxt in self.agency_heads:
            return end
        return start + tokens[last].end()

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
        runs = []
        for m in RUN_RE.finditer(line):
            found = self._run(line, m.start(), m.end())
            hits.extend(found)
            if not found:
                runs.append((m.start(), m.end()))
        chosen = _select(hits)
        extra = [h for s, e in runs if (h := self._governed_programme(line, s, e)) is not None
                 and not any(c.start < h.end and h.start < c.end for c in chosen)]
        return _select(chosen + extra) if extra else chosen

    def _governed_programme(self, line: str, start: int, end: int) -> NameHit | None:
        """A capitalised name without a head noun governed by a programme cue ('under Jobs for Nature',
        'funded through CleanBC', 'launched Green Drop'): a PROGRAMME (issue 25; cues in cues.jsonl)."""
        if " " not in line[start:end] and not re.search(r"[a-z][A-Z]|\d", line[start:end]):
            return None                                 # one plain word: cheap exit (regex budget, issue 10)
        if not programme_before_cue().search(line[max(0, start - 60):start]):
            return None
        start, end = self._trim_run(line, start, end)
        text = line[start:end]
        words = self._words(text)
        if not words or self._has_agency_head(text) or words[0] in self.person_titles or words[0] in self.event_words:
            return None
        caps = [w for w in words if w[:1].isupper()]
        if len(caps) < 2 and not re.search(r"[a-z][A-Z]|\d", text):
            return None                                 # one plain word ("under Smith") is too little
        if re.fullmatch(r"[A-Z]{2,}s?", text) or len(words) > 8 or "," in text or re.search(r"-[a-z]+$", text):
            return None
        if any(w in self.place_words for w in words) or all(w in self.places or w.lower() in NAME_LOWER_OK for w in words):
            return None
        if words[0] in ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                        "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
            return None
        before = line[max(0, start - 60):start]
        after = line[end:end + 60]
        for cue_id, ctype, side, pat in context_cues():
            if ctype == "PROGRAMME" and side == "before" and pat.search(before):
                return NameHit(start, end, "PROGRAMME", None, "project", f"names_programme_cue:{cue_id}")
        return None

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

    def _run(self, line: str, start: int, end: int, coordinated: bool = False, comma_split: bool = False) -> list[NameHit]:
        # "X Government and China Development Bank", "NDRC and the Ministry of ...", "Group and Director of ...",
        # "X Department of Ecology and Environment and the Y Bureau": a coordination after a complete name
        # starts a new name.
        for m in re.finditer(r",?\s+(?:and|&)\s+(the\s+)?", line[start:end]):
            left = line[start:start + m.start()]
            right = line[start + m.end():end]
            left_last = left.split()[-1:] or [""]
            strong = m.group(1) is not None and ((self._has_agency_head(left) and self._has_agency_head(right))
                                                  or (self._programme_head(left) and self._programme_head(right))
                                                  or (self._has_agency_head(right) and not self._has_agency_head(left)
                                                      and not self._programme_head(left)))
            if strong or left_last[0] in self.agency_heads or re.fullmatch(r"[A-Z]{2,}", left_last[0]):
                return (self._run(line, start, start + m.start(), coordinated=True)
                        + self._run(line, start + m.end(), end, coordinated=True))
        # Comma lists of bodies ("the Ministry of Trade, the Ministry of Water and the State Planning
        # Commission", "CEC, the California Public Utilities Commission") give one name each: a comma
        # splits when the part after it, up to the next comma or "and", carries a head of its own and the
        # part before it is a complete name (a head, or an acronym). "Department of Forestry, Fisheries and
        # the Environment" stays one name: "Fisheries" has no head (issue 25).
        pieces, cur = [], start
        for m in (re.finditer(r",\s+(?:the\s+)?", line[start:end]) if not comma_split else ()):
            left = line[cur:start + m.start()]
            right = line[start + m.end():end]
            right_item = re.split(r",\s+|\s+(?:and|&)\s+", right, maxsplit=1)[0]
            left_words = left.split()
            left_ok = self._has_agency_head(left) or self._programme_head(left) or re.fullmatch(r"[A-Z]{2,}[a-z]?", left_words[-1] if left_words else "")
            right_ok = (self._has_agency_head(right_item) and not self._programme_head(right_item)) or \
                (self._programme_head(right_item) and len(self._words(right_item)) >= 2)
            if left_ok and right_ok:
                pieces.append((cur, start + m.start()))
                cur = start + m.end()
                continue
            if not pieces and left_ok and left_words and left_words[-1] in self.agency_heads and not re.search(r"\s(?:and|&)\s", right) \
                    and not re.search(r"\b(?:of|for)\s", left):
                end = start + m.start()             # "... Administration, China": a trailing place is not the name
                break
        if pieces:
            pieces.append((cur, end))
            return [h for a, b in pieces for h in self._run(line, a, b, coordinated=True, comma_split=True)]
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
            # (also "Act of 2022", "Act, 1999" for laws, and "Action Plan 2022–2032")
            m_year = re.match(r"(?:\s+|\s+of\s+(?=(?:19|20)\d\d)|,\s+(?=(?:19|20)\d\d\b(?![,.]?\d)))(?:19|20)\d\d(?:[–-](?:19|20)\d\d)?\b", line[end:])
            if m_year and (last_content[-1] in ("Act", "Plan", "Strategy", "Regulations") or
                           (last_content[-1] in ("Law", "Regulation", "Code") and "," in m_year.group(0))) and \
                    not (m_year.group(0).startswith(",") and last_content[-1] not in ("Act", "Law", "Regulations", "Regulation", "Code")):
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
            end = self._cut_after_head(line, start, end)
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


@lru_cache(maxsize=1)
def chrome_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r['pattern']})" for r in load_rows("names", "chrome")), re.I)


def is_chrome_line(line: str) -> bool:
    """A menu or contact line the segmenter left body: no names are read from it (issue 25)."""
    return len(line) < 400 and chrome_pattern().search(line) is not None


def chrome_block_starts(doc: Doc, raw: str) -> frozenset[int]:
    """Starts of lines that are chrome (``is_chrome_line``) or sit in page chrome by their shape, whatever
    kind the segmenter gave them (issue 25): runs of three or more consecutive short lines (≤ 6 words, no sentence end) — menus,
    footers, link lists — and short lines next to a contact line (phone, e-mail, 'Media contact')."""
    lines = doc._.lines or []
    texts = [raw[ln["start"]:ln["end"]].strip() for ln in lines]

    def short(t: str) -> bool:
        return 0 < len(t.split()) <= 6 and not t.endswith((".", "?", "!", ";", ",", ":")) and not t.startswith(("•", "-", "*", "–"))

    out: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and short(texts[j]):
            j += 1
        if j - i >= 3:
            out.update(lines[k]["start"] for k in range(i, j))
        i = max(j, i + 1)
    for i, t in enumerate(texts):
        if t and is_chrome_line(t):
            out.add(lines[i]["start"])
            for k in range(max(0, i - 2), min(len(lines), i + 3)):
                if short(texts[k]):
                    out.add(lines[k]["start"])
    return frozenset(out)


def name_lines(doc: Doc, raw: str | None = None) -> list[tuple[int, int, str]]:
    """The allowed lines the names stage reads: no chrome line, no line of a chrome block."""
    cached = doc.user_data.get(NAME_LINES_KEY)
    if cached is not None:
        return cached
    from pipeline.execution.isolation import CURRENT_LINE
    from pipeline.stages.segment.lines import allowed_ranges

    raw = raw_text(doc) if raw is None else raw      # Doc.text re-joins every token: the caller passes it (issue 10)
    blocks = chrome_block_starts(doc, raw)
    lines = []
    for s, e in allowed_ranges(doc):
        doc.user_data[CURRENT_LINE] = (s, e)    # named in the error if the stage fails here (issue 22)
        if s not in blocks:                     # chrome lines and chrome blocks (chrome_block_starts)
            lines.append((s, e, raw[s:e]))
    doc.user_data[NAME_LINES_KEY] = lines       # read three times per article (rules, acronyms, standalone bodies)
    return lines


NAME_LINES_KEY = "govnews_names_lines"


def name_hits(doc: Doc, extractor: NameExtractor, raw: str | None = None) -> Iterator[tuple[NameHit, int, int]]:
    from pipeline.execution.isolation import CURRENT_LINE

    for line_start, line_end, line in name_lines(doc, raw):
        doc.user_data[CURRENT_LINE] = (line_start, line_end)   # named in the error if the stage fails here (issue 22)
        for hit in extractor.extract_line(line):
            yield hit, line_start + hit.start, line_start + hit.end


# -- acronym and alias definitions (issue 25) ------------------------------------------------
NAME_LOWER_OK = frozenset({"of", "for", "and", "the", "on", "in", "to", "&", "de", "du", "la", "des", "our", "a", "an",
                           "at", "with", "against", "from", "by"})
LEADING_STOP = frozenset({"The", "A", "An", "In", "On", "At", "By", "From", "With", "For", "As", "Of", "And", "Its",
                          "This", "That", "These", "Under", "Since", "During", "Today", "However", "Yet", "But",
                          "Meanwhile", "Also", "Both", "While", "When", "After", "Before", "Said", "Says", "Read"})


def _is_proper(long: str) -> bool:
    """Every content word of a long form starts with a capital or a digit ('parts per million' is no name)."""
    words = re.findall(r"[\w'’.-]+", long)
    content = [w for w in words if w.lower() not in NAME_LOWER_OK]
    return bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)


def _extend_back(line: str, start: int, ex: "NameExtractor") -> int:
    """'of Transportation and Air Quality' → 'Office of ...'; 'Environment Agency' → 'European Environment Agency':
    Schwartz–Hearst keeps the shortest long form, a name keeps its head and its leading proper words (≤ 4)."""
    for _ in range(4):
        m = re.search(r"([A-Z][\w.'’-]*)\s+((?:of|for)\s+(?:the\s+)?)?$", line[:start])
        if not m or m.group(1) in LEADING_STOP or m.group(1) in ex.person_titles or m.group(1) in ex.event_words:
            break
        if re.match(r"(?:of|for)\s", line[start:]) and not m.group(2):
            start = m.start(1)
            continue
        if m.group(2) and not ex._has_agency_head(m.group(1)):
            break
        if m.start(1) > 1 and line[:m.start(1)].rstrip()[-1:] in ".!?:":
            break                                   # a capitalised sentence start is not part of the name
        start = m.start(1)
    return start


def _classify(long: str, short: str, ex: "NameExtractor") -> tuple[str | None, str | None, str]:
    """(type, kind, how) of a long form: gazetteer entry of the short form, then head nouns, then nothing."""
    gaz = ex.gaz_index.get(short)
    if gaz is not None:
        return gaz["type"], gaz.get("kind"), "gazetteer"
    kind = ex._programme_head(long)
    first_part = re.split(r"\s+(?:of|for)\s+", long)[0]
    if kind and ex._has_agency_head(first_part) and not ex._programme_head(first_part):
        kind = None
    content = [w for w in ex._words(long) if w.lower() not in NAME_LOWER_OK
               and not re.fullmatch(r"[\d.,–-]+|[IVX]+", w)]     # "Assembly Bill 1279", "Advanced Clean Cars II"
    if kind and (content[-1:] and content[-1] in ex.programme_heads or re.search(r"\b(?:19|20)\d\d$", long)):
        return "PROGRAMME", kind, "head"
    if ex._has_agency_head(long):
        return "AGENCY", None, "head"
    if kind:
        return "PROGRAMME", kind, "head"
    return None, None, "none"


def _cue_vote(raw: str, spans: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    """The type most context cues around the given mentions point to, and the first cue's id."""
    votes: dict[str, int] = {}
    first: dict[str, str] = {}
    for s, e in spans:
        before, after = raw[max(0, s - 60):s], raw[e:e + 60]
        for cue_id, ctype, side, pat in context_cues():
            if pat.search(before if side == "before" else after):
                votes[ctype] = votes.get(ctype, 0) + 1
                first.setdefault(ctype, cue_id)
    if not votes:
        return None, None
    best = max(votes, key=lambda t: (votes[t], t == "AGENCY"))
    if list(votes.values()).count(votes[best]) > 1:
        return None, None                           # a tie says nothing
    return best, first[best]


def _definition_key(long_text: str, short: str, label: str, given: str | None, ex: "NameExtractor") -> str:
    """One key for the long form, the short form and its later uses: the long form's key, unless the gazetteer
    knows the short form for a body with the same head (then the corpus-wide gazetteer key); two bodies sharing
    an acronym (an 'EPA' that is an Authority) keep two keys (guide v1.2)."""
    key = canonical_key(long_text, given)
    gaz = ex.gaz_index.get(short)
    if gaz is None or gaz["type"] != label or key == gaz["canonical"]:
        return key
    if key in ex.curated_keys:
        return key
    heads_long = [w for w in normalise(long_text).split() if w in HEAD_WORD_SET]
    heads_gaz = [w for w in gaz["canonical"].split("-") if w in HEAD_WORD_SET]
    return gaz["canonical"] if heads_long[-1:] == heads_gaz[-1:] else key


def acronym_pass(doc: Doc, raw: str, hits: list[tuple[NameHit, int, int]], ex: "NameExtractor"
                 ) -> tuple[list[tuple[NameHit, int, int]], list[dict]]:
    """Definitions 'Long Form (LF)' / 'LF (Long Form)' → both spans with one key, and every bare use of the
    short form in the article's allowed lines → a mention with that key. Returns the new hit list and the
    article's alias table."""
    lines = name_lines(doc, raw)
    defs: dict[str, dict] = {}
    new: list[tuple[NameHit, int, int]] = []
    for line_start, _, line in lines:
        for d in find_definitions(line):
            if d.short in defs:
                continue
            ls = _extend_back(line, d.long_start, ex) if d.direction == "long-short" else d.long_start
            long_text = line[ls:d.long_end]
            if not _is_proper(long_text):
                continue
            s_abs, e_abs = line_start + d.short_start, line_start + d.short_end
            l_abs, le_abs = line_start + ls, line_start + d.long_end
            container = [(h, s, e) for h, s, e in hits if s <= min(s_abs, l_abs) and e >= max(e_abs, le_abs)
                         and (s, e) != (l_abs, le_abs)]
            if container:
                h, s, e = container[0]
                defs[d.short] = {"label": h.label, "kind": h.kind, "key": canonical_key(raw[s:e], h.canonical),
                                 "long": long_text, "start": min(s_abs, l_abs), "end": max(e_abs, le_abs),
                                 "spans": [(s, e)], "how": "container"}
                continue
            cont = re.match(r"\)((?:\s+[A-Z][\w'’-]*){1,4})", line[d.short_end:])
            if d.direction == "long-short" and cont and (ex._programme_head(cont.group(1)) or ex._has_agency_head(cont.group(1))):
                # "Government Investment in Decarbonising Industry (GIDI) Fund": one name with its acronym inside
                end = d.short_end + cont.end()
                label, kind, _ = _classify(line[ls:end], "", ex)
                if label:
                    key = canonical_key(line[ls:end])
                    defs[d.short] = {"label": label, "kind": kind, "key": key, "long": line[ls:end],
                                     "start": l_abs, "end": line_start + end, "spans": [(l_abs, line_start + end)],
                                     "how": "inside"}
                    new.append((NameHit(l_abs, line_start + end, label, key, kind, "names_acronym_inside"), l_abs, line_start + end))
                    continue
            label, kind, how = _classify(long_text, d.short, ex)
            cue = None
            if label is None:
                uses = [(l_abs, le_abs)] + [(ls2 + m.start(), ls2 + m.end())
                                            for ls2, _, ln in lines for m in _short_re(d.short).finditer(ln)]
                label, cue = _cue_vote(raw, uses)
                if label is None:
                    continue
                kind = "project" if label == "PROGRAMME" else None
                how = "cue"
            given = next((h.canonical for h, s, e in hits if (s, e) == (l_abs, le_abs) and h.canonical), None)
            key = _definition_key(long_text, d.short, label, given, ex)
            rule = "names_acronym_" + ("cue:" + cue if cue else how)
            defs[d.short] = {"label": label, "kind": kind, "key": key, "long": long_text,
                             "start": min(s_abs, l_abs), "end": max(e_abs, le_abs), "spans": [(l_abs, le_abs), (s_abs, e_abs)],
                             "how": how}
            new.append((NameHit(l_abs, le_abs, label, key, kind, rule + ":long"), l_abs, le_abs))
            new.append((NameHit(s_abs, e_abs, label, key, kind, rule + ":short"), s_abs, e_abs))
    # an alias in brackets after a name the rules found, which Schwartz–Hearst cannot spell out
    # ("Department of Resources Recycling and Recovery (CalRecycle)")
    for h, s, e in hits:
        m = ALIAS_AFTER_RE.match(raw, e)
        if not m or m.group(1) in defs or not valid_short_form(m.group(1)) or h.label not in ("AGENCY", "PROGRAMME") \
                or m.group(1)[-1].isdigit() or sum(c.isupper() for c in m.group(1)) < 2 \
                or any(a < e and s < b for _, a, b in new):
            continue
        a, b = m.start(1), m.end(1)
        key = canonical_key(raw[s:e], h.canonical)
        defs[m.group(1)] = {"label": h.label, "kind": h.kind, "key": key, "long": raw[s:e], "start": s, "end": b,
                            "spans": [(s, e), (a, b)], "how": "alias"}
        new.append((NameHit(s, e, h.label, key, h.kind, "names_alias_after:long"), s, e))
        new.append((NameHit(a, b, h.label, key, h.kind, "names_alias_after:short"), a, b))
    if not defs:
        return hits, []
    # the definitions' spans replace the rule hits they overlap
    taken = sorted((s, e) for _, s, e in new)
    kept = [(h, s, e) for h, s, e in hits if not any(s < b and a < e for a, b in taken)]
    # bare uses of each short form (anywhere in the article's allowed lines, as the guide's "later BoM said")
    for short, info in defs.items():
        pat = _short_re(short)
        for line_start, _, line in lines:
            for m in pat.finditer(line):
                s, e = line_start + m.start(), line_start + m.end()
                if any(s < b and a < e for a, b in taken):
                    continue
                poss = re.match(r"['’]s\s+", raw[e:e + 4])
                sub = [(h, a, b) for h, a, b in kept if poss and a == e + poss.end() and h.label == "AGENCY"] if poss else []
                if sub and info["label"] == "AGENCY":
                    # "EPA's Office of Water": one span naming the sub-body, with the sub-body's key (guide v1.2)
                    h, a, b = sub[0]
                    kept = [x for x in kept if not (x[1] < b and s < x[2])]
                    new.append((NameHit(s, b, "AGENCY", canonical_key(raw[a:b], h.canonical), None, "names_acronym_possessive"), s, b))
                    taken.append((s, b))
                    continue
                inside = [(h, a, b) for h, a, b in kept if a < e and s < b]
                if inside and not all((a, b) == (s, e) for _, a, b in inside):
                    continue                        # part of a longer name ("EPA's Office of Water")
                kept = [x for x in kept if x not in inside]
                new.append((NameHit(s, e, info["label"], info["key"], info["kind"], "names_acronym_use"), s, e))
                taken.append((s, e))
    # never two overlapping name mentions: the first made (definitions before uses) stays
    chosen: list[tuple[NameHit, int, int]] = []
    for h, s, e in new:
        if not any(s < b and a < e for _, a, b in chosen):
            chosen.append((h, s, e))
    new = chosen
    aliases = [{"short": short, "long": info["long"], "type": info["label"], "canonical": info["key"],
                "start": info["start"], "end": info["end"]} for short, info in defs.items()]
    aliases.sort(key=lambda a: a["start"])
    return kept + new, aliases


ALIAS_AFTER_RE = re.compile(r"[ \t]*\(([A-Z][\w&.-]{1,11})\)")


@lru_cache(maxsize=256)
def _short_re(short: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w&-]){re.escape(short)}(?![\w&-]|-\w)")


def standalone_bodies(doc: Doc, hits: list[tuple[NameHit, int, int]], ex: "NameExtractor") -> list[tuple[NameHit, int, int]]:
    """'Parliament', 'the Legislature', 'National Treasury', 'Cabinet': a body's official short name that is its
    only name in the text counts (guide v1.2); its key carries the article's jurisdiction code, so the
    parliaments of two countries keep two keys."""
    pattern = ex.standalone_re
    if pattern is None:
        return []
    code = ((doc._.jurisdiction or {}).get("code") or "xx").lower()
    taken = [(s, e) for _, s, e in hits]
    out = []
    for line_start, _, line in name_lines(doc):     # cached by name_hits for this doc
        for m in pattern.finditer(line):
            s, e = line_start + m.start(), line_start + m.end()
            if any(s < b and a < e for a, b in taken):
                continue
            before, after = line[:m.start()], line[m.end():]
            if re.search(r"[A-Z][\w.'’-]*\s+$", before) and not re.search(r"(?:^|[.!?:]\s+)[A-Z][\w'’-]*\s+$", before):
                continue                            # "European Parliament", "Michigan Legislature": the run's business
            if re.match(r"\s+(?:of|for|Bill|Act|[A-Z])", after) or re.match(r"['’]s\s+[A-Z]", after):
                continue                            # "Assembly Bill 32", "Parliament of ...": part of a longer name
            key = f"{code}-" + canonical_key(m.group(0))
            out.append((NameHit(s, e, "AGENCY", key, None, "names_standalone_body"), s, e))
            taken.append((s, e))
    return out


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
        ner_doc = self._ner(raw_text(doc))
        return [NameHit(e.start_char, e.end_char, e.label_, None, None, "names_spacy_ner") for e in ner_doc.ents
                if e.label_ in ("AGENCY", "PROGRAMME")]

    def __call__(self, doc: Doc) -> Doc:
        from pipeline.stages.quantities.extractor import make_span
        from pipeline.stages.segment.lines import mention_allowed

        raw = raw_text(doc)  # Doc.text re-joins every token: read it once (issue 10)
        hits = [(h, s, e) for h, s, e in name_hits(doc, self.extractor, raw)]
        if self.model_path:
            taken = [(s, e) for _, s, e in hits]
            for h in self._model_hits(doc):
                if mention_allowed(doc, h.start, h.end) and not any(h.start < e and s < h.end for s, e in taken):
                    hits.append((h, h.start, h.end))
        hits, doc._.aliases = acronym_pass(doc, raw, hits, self.extractor)
        hits = hits + standalone_bodies(doc, hits, self.extractor)
        agencies, programmes = [], []
        jurisdiction = _dominant_jurisdiction(raw[s:e] for h, s, e in hits if h.label == "AGENCY")
        for hit, start, end in sorted(hits, key=lambda x: x[1]):
            span = make_span(doc, start, end, hit.label)
            if span is None:
                continue
            text = raw[start:end]
            if hit.rule.startswith(("names_acronym", "names_alias", "names_standalone")):
                span._.canonical = hit.canonical
            elif hit.label == "AGENCY" and jurisdiction and re.match(r"(?:the\s+)?(?:Municipal|Provincial|City)\b", text):
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


@Language.factory("govnews_names", assigns=["doc.spans"], requires=["doc._.lines"], default_config={"model": None})
def make_names(nlp: Language, name: str, model: str | None) -> NamesComponent:
    return NamesComponent(nlp, name, model)
