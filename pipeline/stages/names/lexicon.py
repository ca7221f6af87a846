"""The names stage's vocabulary, read once from its data files (``pipeline/stages/names/resources/``).

- ``heads.jsonl``: head nouns of bodies and programmes, person titles, event words, generic
  modifiers, standalone bodies, place words (group field ``type``);
- ``name_words.jsonl``: the other word lists (function words at a name's edges, calendar words,
  titles that keep a year, local-government grades, generic words after a quoted name);
- ``gazetteer.jsonl``, ``designations.jsonl``, ``cues.jsonl``: known names, designation schemes and
  context cues (``type``/``side``/``kind`` are checked against the closed sets below at load time).

An unknown group or value fails at load time with the file and line (``pipeline.resources``).
``NameLexicon`` bundles the lists with the three word tests every other module of the stage uses
(``words``, ``has_agency_head``, ``programme_head``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.resources import check_values, load_groups, load_rows

HEAD_GROUPS = ("agency_head", "programme_head", "person_title", "event_word", "generic_modifier",
               "standalone_body", "place_word")
WORD_LISTS = ("leading_article", "leading_stop", "lower_ok", "company_head", "group_qualifier", "calendar_word",
              "titled_head", "year_title", "year_title_comma", "comma_year_title", "local_grade", "local_prefix",
              "quoted_head", "statute_head", "body_before_place", "body_after_place")
LABELS = ("AGENCY", "PROGRAMME")
CUE_SIDES = ("before", "after")
# Programme kinds the guide defines (ANNOTATION_GUIDE.md v1.2, PROGRAMME kind).
PROGRAMME_KINDS = ("law", "policy", "project", "agreement", "plan", "campaign", "platform", "designation", "strategy")

# A word as the stage counts words: letters, digits, apostrophes, dots and hyphens (structure, not vocabulary).
WORD_RE = re.compile(r"[\w'’.-]+")


def alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal words, in the given order (the first listed wins a tie)."""
    return "|".join(re.escape(w) for w in words)


@lru_cache(maxsize=1)
def head_lists() -> dict[str, dict[str, str | None]]:
    """type -> {surface: programme kind or None} from heads.jsonl."""
    check_values("names", "heads", "kind", PROGRAMME_KINDS, optional=True)
    groups = load_groups("names", "heads", "type", HEAD_GROUPS)
    return {group: {row["surface"]: row.get("kind") for row in rows} for group, rows in groups.items()}


@lru_cache(maxsize=1)
def word_lists() -> dict[str, tuple[str, ...]]:
    """list -> surfaces (file order) from name_words.jsonl."""
    groups = load_groups("names", "name_words", "list", WORD_LISTS)
    return {group: tuple(row["surface"] for row in rows) for group, rows in groups.items()}


@lru_cache(maxsize=1)
def quoted_heads() -> tuple[tuple[str, str], ...]:
    """(generic word, programme kind) after a quoted name, file order."""
    check_values("names", "name_words", "kind", PROGRAMME_KINDS, optional=True)
    groups = load_groups("names", "name_words", "list", WORD_LISTS)
    return tuple((row["surface"], row["kind"]) for row in groups["quoted_head"])


@lru_cache(maxsize=1)
def gazetteer() -> tuple[list[dict[str, Any]], re.Pattern[str], re.Pattern[str]]:
    """Gazetteer rows and two patterns: case-sensitive surfaces, and those marked ``lower``."""
    check_values("names", "gazetteer", "type", LABELS)
    check_values("names", "gazetteer", "kind", PROGRAMME_KINDS, optional=True)
    rows = list(load_rows("names", "gazetteer"))
    cs = [r["surface"] for r in rows if not r.get("lower")]
    ci = [r["surface"] for r in rows if r.get("lower")]

    def alt(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return rows, re.compile(rf"(?<![\w-])(?:{alt(cs)})(?![\w-])"), re.compile(rf"(?<![\w-])(?:{alt(ci)})(?![\w-])", re.I)


@lru_cache(maxsize=1)
def designation_patterns() -> list[tuple[str, re.Pattern[str], str]]:
    """(id, pattern, kind) of the designation schemes."""
    check_values("names", "designations", "kind", PROGRAMME_KINDS)
    return [(r["id"], re.compile(r["pattern"], re.I), r["kind"]) for r in load_rows("names", "designations")]


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Single-word place names from the jurisdiction cues (the quantities stage's jurisdictions.jsonl)."""
    words: set[str] = set()
    for row in load_rows("quantities", "jurisdictions"):
        for cue in row.get("cues", []):
            words.update(w for w in cue.split() if w[:1].isupper())
    return frozenset(words)


@lru_cache(maxsize=1)
def whole_place_names() -> frozenset[str]:
    """Whole place names a body may be named after: the jurisdiction cues and every country and
    territory name CLDR knows in English (resources/cldr_tables.jsonl), e.g. "Mauritius", "New South Wales", "NSW"."""
    from pipeline.stages.quantities.cldr import territory_names

    names = {cue for row in load_rows("quantities", "jurisdictions") for cue in row.get("cues", [])}
    names.update(territory_names())
    return frozenset(n for n in names if n[:1].isupper())


@lru_cache(maxsize=1)
def context_cues() -> list[tuple[str, str, str, re.Pattern[str]]]:
    """(id, type, side, pattern) from cues.jsonl; 'after' patterns are anchored at the name's end."""
    check_values("names", "cues", "type", LABELS)
    check_values("names", "cues", "side", CUE_SIDES)
    out = []
    for r in load_rows("names", "cues"):
        pat = r["pattern"] if r["side"] == "before" else r"^[\s,]*" + r["pattern"]
        out.append((r["id"], r["type"], r["side"], re.compile(pat, re.I)))
    return out


@lru_cache(maxsize=1)
def programme_before_cue() -> re.Pattern[str]:
    """All 'before' PROGRAMME cues as one pattern: a cheap first test before a run is looked at closely."""
    return re.compile("|".join(f"(?:{p.pattern})" for _, t, side, p in context_cues() if t == "PROGRAMME" and side == "before"), re.I)


@dataclass
class NameLexicon:
    """Every word list of the stage, as sets for membership and patterns for the edges of names."""

    agency_heads: set[str]
    programme_heads: dict[str, str | None]
    person_titles: set[str]
    event_words: set[str]
    generic: set[str]
    place_words: set[str]
    standalone: list[str]
    places: frozenset[str]
    lists: dict[str, tuple[str, ...]]
    leading_article_re: re.Pattern[str]

    @classmethod
    def load(cls) -> "NameLexicon":
        heads = head_lists()
        return cls(agency_heads=set(heads["agency_head"]), programme_heads=heads["programme_head"],
                   person_titles=set(heads["person_title"]), event_words=set(heads["event_word"]),
                   generic=set(heads["generic_modifier"]), place_words=set(heads["place_word"]),
                   standalone=sorted(heads["standalone_body"], key=len, reverse=True),
                   places=place_names(), lists=word_lists(),
                   leading_article_re=re.compile(rf"(?:{alternation(word_lists()['leading_article'])})\s+"))

    def word_set(self, name: str) -> frozenset[str]:
        return frozenset(self.lists[name])

    def words(self, text: str) -> list[str]:
        return WORD_RE.findall(text)

    def has_agency_head(self, text: str) -> bool:
        words = self.words(text)
        company = self.lists["company_head"]
        qualifiers = self.lists["group_qualifier"]
        for head in company:
            if head in words and not any(w in qualifiers for w in words):
                words = [w for w in words if w != head]     # "Chongqing Water Group" is a company
        return any(w in self.agency_heads for w in words)

    def programme_head(self, text: str) -> str | None:
        """The programme kind of the last programme head noun in ``text`` (``policy`` when the head has none)."""
        for w in reversed(self.words(text)):
            if w in self.programme_heads:
                return self.programme_heads[w] or "policy"
        return None
