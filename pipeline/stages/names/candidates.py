"""Finding candidate name spans in one line (names stage, issue 19 split of ``NameExtractor``).

``NameExtractor.extract_line`` finds the candidates of a line from four sources: the gazetteer,
quoted names, designation schemes (``designations.jsonl``) and capitalised runs with a head noun
(``heads.jsonl``), plus headless runs governed by a programme cue (``cues.jsonl``); the runs are cut
to names by ``trimming.py``; overlapping candidates are resolved by ``select`` (longest first).
``standalone_bodies`` finds a legislature or treasury named by its short name alone in the
document's name lines. Every hit carries the id of the rule that made it (``NameHit.rule``).

Structure kept in code (closed grammatical patterns, not vocabulary): the shape of a name token
(capitalised word, acronym, ordinal, "No. 5", "U.S."), the connectors inside a run (and, of, for,
the, on, in, &, 's, de), the locative tail (in/on), the coordination (and/&, comma) and the
year shapes after a title.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterator

from spacy.tokens import Doc

from pipeline.extensions import raw_text

from pipeline.stages.names.lexicon import (NameLexicon, alternation, context_cues, designation_patterns, gazetteer,
                                           programme_before_cue, quoted_heads, whole_place_names)
from pipeline.stages.names.linking import alias_table, canonical_key
from pipeline.stages.names.name_lines import name_lines
from pipeline.stages.names.trimming import (cut_after_head, cut_titles_and_events, split_coordination,
                                            split_programmes, trim_run)

# A name token is one capitalised word: glued scraping ("BureauThe") ends a token at the
# lower→upper boundary, the way the tokenizer's infix does. A plan's length in years is part of
# its name ("25 Year Environment Plan", like "Five-Year Plan"); a four-digit year is not.
NAME_TOKEN = r"(?:(?<![\d.,])\d{1,3}[- ]Year(?![a-z])|No\.\s?\d+|U\.S\.|U\.K\.|[A-Z]{2,}(?![a-z])|[A-Z][a-z]+[A-Z]{2,}\d*(?![a-z])|[A-Z][a-z0-9'’]*(?:[-–][A-Za-z0-9][a-z0-9'’]*)*|(?<!\d)\d+(?:st|nd|rd|th))"
QUOTES = {"\"": "\"", "“": "”", "”": "”", "‘": "’", "'": "'"}
# Bounded: a name has at most 60 more tokens and 4 connectors in a row, so a page of "Bureau and
# Bureau and ..." is cut into runs instead of recursing once per "and" (RecursionError, issue 10).
RUN_RE = re.compile(rf"{NAME_TOKEN}(?:(?:,?\s+|-)(?:(?:and|of|for|the|on|in|&|'s|’s|de)\s+){{0,4}}{NAME_TOKEN}){{0,60}}")
QUOTED_RE = re.compile(r"[\"“]([^\"“”\n]{2,120})[\"”]")
# A statute's short title with a bracketed part, as Commonwealth drafting writes it ("Environment
# Protection (Banning of Plastic Bags) Regulations 2020", "Minerals and Mining (Amendment) Act, 2019",
# "Trade (Plastic Packaging Materials Prohibition) Order, 2018"): capitalised words, the bracket (up
# to 100 characters of words, commas and spaces), more capitalised words, a statute head (name_words.jsonl statute_head),
# an optional year. The bracket is what the head-noun runs cannot cross.
_TITLE_WORD = r"[A-Z][\w'’-]*"
_TITLE_JOIN = r"(?:,?\s+(?:(?:and|of|for|the|on|in|to|from|&)\s+){0,3})"
_LEAD_JOIN = r"(?:,?\s+(?:(?:and|of|for|on|in|to|from|&)\s+){0,2})"     # no "the": "the Ministry and the X (..) Act" is two names
# (the bracket is one bounded run of characters other than brackets: a repeated "word, spaces" group there
# split each word every way it could and took 27 s on the corpus)
STATUTE_SHAPE = (rf"(?<![\w-]){_TITLE_WORD}(?:{_LEAD_JOIN}{_TITLE_WORD}){{0,10}}\s*\([\w'’&, -]{{1,100}}\)"
                 rf"(?:{_TITLE_JOIN}{_TITLE_WORD}){{0,6}}?\s+(?:{{heads}})(?:,?\s+(?:19|20)\d\d)?(?![\w-])")


@dataclass
class NameHit:
    start: int
    end: int
    label: str
    canonical: str | None
    kind: str | None
    rule: str


class NameExtractor:
    """Candidate AGENCY and PROGRAMME spans of one line, each with the id of the rule that found it."""

    def __init__(self) -> None:
        self.lex = NameLexicon.load()
        standalone = self.lex.standalone
        self.standalone_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in standalone) + r")(?![\w-])") if standalone else None
        self.gaz_rows, self.gaz_cs, self.gaz_ci = gazetteer()
        self.gaz_index = {(r["surface"].lower() if r.get("lower") else r["surface"]): r for r in self.gaz_rows}
        self.curated_keys = frozenset(r["canonical"] for r in self.gaz_rows) | frozenset(alias_table().values())
        lists = self.lex.lists
        self.lower_ok = frozenset(lists["lower_ok"])
        self.calendar_words = frozenset(lists["calendar_word"])
        self.year_title = frozenset(lists["year_title"])
        self.year_title_comma = frozenset(lists["year_title_comma"])
        self.comma_year_title = frozenset(lists["comma_year_title"])
        self.titled_re = re.compile(rf"\b({alternation(lists['titled_head'])})\s+(?:for|on|of)\b")
        self.statute_re = re.compile(STATUTE_SHAPE.replace("{heads}", alternation(lists["statute_head"])))
        # "Statistics Mauritius", "Transport for London", "Queensland Health": a body named by a field and a
        # place, with no institutional head (name_words.jsonl body_before_place / body_after_place)
        places = alternation(sorted(whole_place_names(), key=len, reverse=True))
        self.place_body_re = re.compile(
            rf"(?<![\w-])(?:(?:{alternation(lists['body_before_place'])})\s+(?:{places})"
            rf"|(?:{places})\s+(?:{alternation(lists['body_after_place'])}))(?![\w-])")
        heads = quoted_heads()
        # file order: the first listed generic word wins where two match at one place
        self.quoted_head_re = re.compile(rf"\s*(?:[a-z-]+\s+){{0,3}}?({alternation([h for h, _ in heads])})\b")
        self.quoted_head_kind = dict(heads)

    # -- extraction ------------------------------------------------------------------------
    def extract_line(self, line: str) -> list[NameHit]:
        hits: list[NameHit] = []
        for m in self.gaz_cs.finditer(line):
            hits.extend(self._gaz_hit(line, m.start(), m.end(), m.group(0)))
        for m in self.gaz_ci.finditer(line):
            hits.extend(self._gaz_hit(line, m.start(), m.end(), m.group(0).lower()))
        for m in QUOTED_RE.finditer(line):
            hits.extend(self._quoted(line, m))
        if "(" in line:
            for m in self.statute_re.finditer(line):
                start = m.start() + (len(lead.group(0)) if (lead := self.lex.leading_article_re.match(m.group(0))) else 0)
                if self.lex.has_agency_head(line[start:line.index("(", start)]):
                    continue                            # "Ministry of Environment (MoE) ... Act": a body, not a title
                hits.append(NameHit(start, m.end(), "PROGRAMME", None, "law", "names_statute_bracket"))
        for m in self.place_body_re.finditer(line):
            hits.append(NameHit(m.start(), m.end(), "AGENCY", None, None, "names_place_body"))
        for rule_id, pattern, kind in designation_patterns():
            for m in pattern.finditer(line):
                hits.append(NameHit(m.start(), m.end(), "PROGRAMME", None, kind, f"names_{rule_id}"))
        runs = []
        for m in RUN_RE.finditer(line):
            found = self._run(line, m.start(), m.end())
            hits.extend(found)
            if not found:
                runs.append((m.start(), m.end()))
        chosen = select(hits)
        extra = [h for s, e in runs if (h := self._governed_programme(line, s, e)) is not None
                 and not any(c.start < h.end and h.start < c.end for c in chosen)]
        return select(chosen + extra) if extra else chosen

    def _governed_programme(self, line: str, start: int, end: int) -> NameHit | None:
        """A capitalised name without a head noun governed by a programme cue ('under Jobs for Nature',
        'funded through CleanBC', 'launched Green Drop'): a PROGRAMME (issue 25; cues in cues.jsonl)."""
        if " " not in line[start:end] and not re.search(r"[a-z][A-Z]|\d", line[start:end]):
            return None                                 # one plain word: cheap exit (regex budget, issue 10)
        if not programme_before_cue().search(line[max(0, start - 60):start]):
            return None
        start, end = trim_run(self.lex, line, start, end)
        text = line[start:end]
        words = self.lex.words(text)
        if not words or self.lex.has_agency_head(text) or words[0] in self.lex.person_titles or words[0] in self.lex.event_words:
            return None
        caps = [w for w in words if w[:1].isupper()]
        if len(caps) < 2 and not re.search(r"[a-z][A-Z]|\d", text):
            return None                                 # one plain word ("under Smith") is too little
        if re.fullmatch(r"[A-Z]{2,}s?", text) or len(words) > 8 or "," in text or re.search(r"-[a-z]+$", text):
            return None
        if any(w in self.lex.place_words for w in words) or all(w in self.lex.places or w.lower() in self.lower_ok for w in words):
            return None
        if words[0] in self.calendar_words:
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
        words = self.lex.words(inner)
        if not words or len(words) > 20:
            return []
        after = line[m.end():m.end() + 60].lower()
        generic_head = self.quoted_head_re.match(after)
        titled = re.match(r"\s+((?:[A-Z][\w'-]*\s+(?:(?:and|of|the|for)\s+)*)*[A-Z][\w'-]*)", line[m.end():])
        if titled and self.lex.programme_head(titled.group(1)) and not self.lex.has_agency_head(titled.group(1)):
            # '"Two Mountains" Practice and Innovation Base': the name continues past its inner quotes
            return [NameHit(m.start(), m.end() + titled.end(), "PROGRAMME", None,
                            self.lex.programme_head(titled.group(1)), "names_quoted_continued")]
        capitalised = sum(1 for w in words if w[:1].isupper()) >= max(1, (len(words) + 1) // 2)
        kind = self.lex.programme_head(inner)
        if self.lex.has_agency_head(inner) and not kind:
            return []
        if len(words) == 1 and not generic_head:
            return []                                   # "Agreement": a back-reference in quotes
        if kind and capitalised:
            return [NameHit(start, end, "PROGRAMME", None, kind, "names_quoted_title")]
        if generic_head and (capitalised or len(words) <= 4):
            head = generic_head.group(1)
            k = self.quoted_head_kind[head]
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
            strong = m.group(1) is not None and ((self.lex.has_agency_head(left) and self.lex.has_agency_head(right))
                                                  or (self.lex.programme_head(left) and self.lex.programme_head(right))
                                                  or (self.lex.has_agency_head(right) and not self.lex.has_agency_head(left)
                                                      and not self.lex.programme_head(left)))
            if strong or left_last[0] in self.lex.agency_heads or re.fullmatch(r"[A-Z]{2,}", left_last[0]):
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
            left_ok = self.lex.has_agency_head(left) or self.lex.programme_head(left) or re.fullmatch(r"[A-Z]{2,}[a-z]?", left_words[-1] if left_words else "")
            right_ok = (self.lex.has_agency_head(right_item) and not self.lex.programme_head(right_item)) or \
                (self.lex.programme_head(right_item) and len(self.lex.words(right_item)) >= 2)
            if left_ok and right_ok:
                pieces.append((cur, start + m.start()))
                cur = start + m.end()
                continue
            if not pieces and left_ok and left_words and left_words[-1] in self.lex.agency_heads and not re.search(r"\s(?:and|&)\s", right) \
                    and not re.search(r"\b(?:of|for)\s", left):
                end = start + m.start()             # "... Administration, China": a trailing place is not the name
                break
        if pieces:
            pieces.append((cur, end))
            return [h for a, b in pieces for h in self._run(line, a, b, coordinated=True, comma_split=True)]
        # "The State Council's Action Plan ...": a body's possessive programme is two names
        poss = re.search(r"['’]s\s+", line[start:end])
        if poss and self.lex.programme_head(line[start + poss.end():end]) and not self.lex.programme_head(line[start:start + poss.start()]):
            left_hits = [NameHit(h.start, h.end, "AGENCY", h.canonical, None, h.rule) for h in self._run(line, start, start + poss.start(), coordinated=True)]
            return left_hits + self._run(line, start + poss.end(), end, coordinated=True)
        start, end = trim_run(self.lex, line, start, end)
        if end <= start:
            return []
        start, end = cut_titles_and_events(self.lex, line, start, end)
        # "European Commission in October": a locative/temporal tail without a head noun is not part of the name
        for m in re.finditer(r"\s+(?:in|on)\s+", line[start:end]):
            right = line[start + m.end():end]
            if self.lex.programme_head(line[start:start + m.start()]):
                continue                                # "Law of the PRC on Yangtze River Protection": the title goes on
            if not self.lex.has_agency_head(right) and not self.lex.programme_head(right):
                end = start + m.start()
                break
        text = line[start:end]
        words = self.lex.words(text)
        if not words:
            return []
        kind = self.lex.programme_head(text)
        first_part = re.split(r"\s+(?:of|for)\s+", text)[0]
        if kind and self.lex.has_agency_head(first_part) and not self.lex.programme_head(first_part):
            kind = None                                 # "Joint Office for Promoting the River Chief System" is a body
        last_content = [w for w in words if w.lower() not in ("and", "of", "the", "for", "on", "in")]
        if kind and last_content and last_content[-1] in self.lex.programme_heads or (kind and self.titled_re.search(text)):
            # A year right after an official title stays inside it ("Water Act 2014").
            # (also "Act of 2022", "Act, 1999" for laws, and "Action Plan 2022–2032")
            m_year = re.match(r"(?:\s+|\s+of\s+(?=(?:19|20)\d\d)|,\s+(?=(?:19|20)\d\d\b(?![,.]?\d)))(?:19|20)\d\d(?:[–-](?:19|20)\d\d)?\b", line[end:])
            if m_year and (last_content[-1] in self.year_title or
                           (last_content[-1] in self.year_title_comma and "," in m_year.group(0))) and \
                    not (m_year.group(0).startswith(",") and last_content[-1] not in self.comma_year_title):
                end += m_year.end()
            if len(last_content) < 2:
                return []                               # "the Plan": anaphoric
            out = []
            for s, e in split_programmes(self.lex, line, start, end):
                k = self.lex.programme_head(line[s:e])
                if k and len([w for w in self.lex.words(line[s:e]) if w[:1].isupper() or w[:1].isdigit()]) >= 2:
                    out.append(NameHit(s, e, "PROGRAMME", None, k, "names_programme_head"))
            return out
        if self.lex.has_agency_head(text):
            end = cut_after_head(self.lex, line, start, end)
            out = []
            for s, e in split_coordination(self.lex, line, start, end):
                part = line[s:e]
                content = [w for w in self.lex.words(part) if w not in self.lex.generic and w.lower() not in ("and", "of", "the")]
                if all(w in self.lex.agency_heads for w in content) and not (s != start) and not coordinated:
                    continue                            # "the Bureau", "Municipal Government" alone: anaphoric
                if not content:
                    continue
                if not any(w in self.lex.agency_heads for w in self.lex.words(part)):
                    continue
                out.append(NameHit(s, e, "AGENCY", None, None, "names_agency_head"))
            return out
        return []



def select(hits: list[NameHit]) -> list[NameHit]:
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


def name_hits(doc: Doc, extractor: NameExtractor, raw: str | None = None) -> Iterator[tuple[NameHit, int, int]]:
    """Every candidate of the document's name lines, with offsets into the raw text."""
    from pipeline.execution.isolation import CURRENT_LINE

    for line_start, line_end, line in name_lines(doc, raw):
        doc.user_data[CURRENT_LINE] = (line_start, line_end)   # named in the error if the stage fails here (issue 22)
        for hit in extractor.extract_line(line):
            yield hit, line_start + hit.start, line_start + hit.end


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
            if re.match(r"\s+(?:of|for|[A-Z])", after) or re.match(r"['’]s\s+[A-Z]", after):
                continue                            # "Assembly Bill 32", "Parliament of ...": part of a longer name (any capitalised word next)
            key = f"{code}-" + canonical_key(m.group(0))
            out.append((NameHit(s, e, "AGENCY", key, None, "names_standalone_body"), s, e))
            taken.append((s, e))
    return out


# A name found once is the same name where the article repeats it (one sense per discourse): "Climate
# Leap" recognised in one sentence is "Climate Leap" in the next, whatever rule or model found it first.
# Only names of two or more words, or one word with an inner capital or digit ("H2Ohio", "ProAire"),
# are repeated: a single ordinary capitalised word ("Council") may be a different thing elsewhere.
_REPEATABLE = re.compile(r"\S+\s+\S+|\w*[a-z]\w*[A-Z0-9]\w*")
REPEAT_RULE = "names_repeat"
_OWN_REPEATS = ("names_acronym", "names_alias", "names_standalone")


def repeated_names(doc: Doc, hits: list[tuple[NameHit, int, int]]) -> list[tuple[NameHit, int, int]]:
    """Every other occurrence, on a name line and at word boundaries, of a name already found in this
    article, with the first occurrence's label, key and kind (rule ``names_repeat``). Linear in the
    text per distinct name; an occurrence inside or across an existing hit is left alone."""
    raw = raw_text(doc)
    by_text: dict[str, NameHit] = {}
    for hit, s, e in sorted(hits, key=lambda x: x[1]):
        if hit.rule.startswith(_OWN_REPEATS):
            continue                                # acronym, alias and standalone passes tag their own uses
        text = raw[s:e]
        if _REPEATABLE.fullmatch(text) and text not in by_text:
            by_text[text] = hit
    if not by_text:
        return []
    taken = [(s, e) for _, s, e in hits]
    out: list[tuple[NameHit, int, int]] = []
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True))
                         + r")(?![\w-])")
    # finditer's matches do not overlap one another and the lines are disjoint, so only the existing
    # hits can overlap a match (a few dozen per article: a plain scan)
    for line_start, _, line in name_lines(doc):
        for m in pattern.finditer(line):
            s, e = line_start + m.start(), line_start + m.end()
            if any(a < e and s < b for a, b in taken):
                continue
            first = by_text[m.group(0)]
            out.append((NameHit(s, e, first.label, first.canonical, first.kind, REPEAT_RULE), s, e))
    return out
