"""Acronym and alias definitions and their later uses: keys and provenance across one article
(names stage, issue 19 split of ``NameExtractor``).

``acronym_pass`` reads the definitions that ``acronyms.find_definitions`` finds ('Long Form (LF)',
'LF (Long Form)') and the aliases in brackets after a name the rules found, gives the long form,
the short form and every later bare use of the short form one canonical key, and records the
article's alias table. Every hit names its rule: ``names_acronym_<how>:long|short``,
``names_acronym_use``, ``names_acronym_possessive``, ``names_acronym_inside``, ``names_alias_after:*``.

Vocabulary comes from ``name_words.jsonl`` (``lower_ok``, ``leading_stop``) and ``cues.jsonl``;
what stays in code is structure: the shapes of a definition, the of/for joints, roman numerals.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc

from pipeline.stages.names.acronyms import find_definitions, valid_short_form
from pipeline.stages.names.candidates import NameExtractor, NameHit
from pipeline.stages.names.lexicon import context_cues, word_lists
from pipeline.stages.names.linking import HEAD_WORDS, canonical_key, normalise
from pipeline.stages.names.name_lines import name_lines

HEAD_WORD_SET = frozenset(HEAD_WORDS)
NAME_LOWER_OK = frozenset(word_lists()["lower_ok"])
LEADING_STOP = frozenset(word_lists()["leading_stop"])


def _is_proper(long: str) -> bool:
    """Every content word of a long form starts with a capital or a digit ('parts per million' is no name)."""
    words = re.findall(r"[\w'’.-]+", long)
    content = [w for w in words if w.lower() not in NAME_LOWER_OK]
    return bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)


def _extend_back(line: str, start: int, ex: NameExtractor) -> int:
    """'of Transportation and Air Quality' → 'Office of ...'; 'Environment Agency' → 'European Environment Agency':
    Schwartz–Hearst keeps the shortest long form, a name keeps its head and its leading proper words (≤ 4)."""
    for _ in range(4):
        # the word before is looked for in a window, not the whole line prefix (linear on long lines, issue 10)
        base = max(0, start - 120)
        m = re.search(r"([A-Z][\w.'’-]*)\s+((?:of|for)\s+(?:the\s+)?)?$", line[base:start])
        if not m or m.group(1) in LEADING_STOP or m.group(1) in ex.lex.person_titles or m.group(1) in ex.lex.event_words:
            break
        word_start = base + m.start(1)
        if re.match(r"(?:of|for)\s", line[start:]) and not m.group(2):
            start = word_start
            continue
        if m.group(2) and not ex.lex.has_agency_head(m.group(1)):
            break
        if word_start > 1 and line[max(0, word_start - 120):word_start].rstrip()[-1:] in ".!?:":
            break                                   # a capitalised sentence start is not part of the name
        start = word_start
    return start


def _classify(long: str, short: str, ex: NameExtractor) -> tuple[str | None, str | None, str]:
    """(type, kind, how) of a long form: gazetteer entry of the short form, then head nouns, then nothing."""
    gaz = ex.gaz_index.get(short)
    if gaz is not None:
        return gaz["type"], gaz.get("kind"), "gazetteer"
    kind = ex.lex.programme_head(long)
    first_part = re.split(r"\s+(?:of|for)\s+", long)[0]
    if kind and ex.lex.has_agency_head(first_part) and not ex.lex.programme_head(first_part):
        kind = None
    content = [w for w in ex.lex.words(long) if w.lower() not in NAME_LOWER_OK
               and not re.fullmatch(r"[\d.,–-]+|[IVX]+", w)]     # "Assembly Bill 1279", "Advanced Clean Cars II"
    if kind and (content[-1:] and content[-1] in ex.lex.programme_heads or re.search(r"\b(?:19|20)\d\d$", long)):
        return "PROGRAMME", kind, "head"
    if ex.lex.has_agency_head(long):
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


def _definition_key(long_text: str, short: str, label: str, given: str | None, ex: NameExtractor) -> str:
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


def acronym_pass(doc: Doc, raw: str, hits: list[tuple[NameHit, int, int]], ex: NameExtractor
                 ) -> tuple[list[tuple[NameHit, int, int]], list[dict[str, Any]]]:
    """Definitions 'Long Form (LF)' / 'LF (Long Form)' → both spans with one key, and every bare use of the
    short form in the article's allowed lines → a mention with that key. Returns the new hit list and the
    article's alias table."""
    lines = name_lines(doc, raw)
    defs: dict[str, dict[str, Any]] = {}
    new: list[tuple[NameHit, int, int]] = []
    hit_index = _Spans.of(hits)                 # the rule hits by position: lookups stay n log n (issue 10)
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
            container = [(h, s, e) for h, s, e in hit_index.overlapping(min(s_abs, l_abs), max(e_abs, le_abs))
                         if s <= min(s_abs, l_abs) and e >= max(e_abs, le_abs) and (s, e) != (l_abs, le_abs)]
            if container:
                h, s, e = container[0]
                defs[d.short] = {"label": h.label, "kind": h.kind, "key": canonical_key(raw[s:e], h.canonical),
                                 "long": long_text, "start": min(s_abs, l_abs), "end": max(e_abs, le_abs),
                                 "spans": [(s, e)], "how": "container"}
                continue
            cont = re.match(r"\)((?:\s+[A-Z][\w'’-]*){1,4})", line[d.short_end:])
            if d.direction == "long-short" and cont and (ex.lex.programme_head(cont.group(1)) or ex.lex.has_agency_head(cont.group(1))):
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
            given = next((h.canonical for h, s, e in hit_index.overlapping(l_abs, le_abs)
                          if (s, e) == (l_abs, le_abs) and h.canonical), None)
            key = _definition_key(long_text, d.short, label, given, ex)
            rule = "names_acronym_" + ("cue:" + cue if cue else how)
            defs[d.short] = {"label": label, "kind": kind, "key": key, "long": long_text,
                             "start": min(s_abs, l_abs), "end": max(e_abs, le_abs), "spans": [(l_abs, le_abs), (s_abs, e_abs)],
                             "how": how}
            new.append((NameHit(l_abs, le_abs, label, key, kind, rule + ":long"), l_abs, le_abs))
            new.append((NameHit(s_abs, e_abs, label, key, kind, rule + ":short"), s_abs, e_abs))
    # an alias in brackets after a name the rules found, which Schwartz–Hearst cannot spell out
    # ("Department of Resources Recycling and Recovery (CalRecycle)")
    taken = _Spans.of(new)                      # every definition span so far; the uses below add theirs
    for h, s, e in hits:
        m = ALIAS_AFTER_RE.match(raw, e)
        if not m or m.group(1) in defs or not valid_short_form(m.group(1)) or h.label not in ("AGENCY", "PROGRAMME") \
                or m.group(1)[-1].isdigit() or sum(c.isupper() for c in m.group(1)) < 2 \
                or taken.overlaps(s, e):
            continue
        a, b = m.start(1), m.end(1)
        key = canonical_key(raw[s:e], h.canonical)
        defs[m.group(1)] = {"label": h.label, "kind": h.kind, "key": key, "long": raw[s:e], "start": s, "end": b,
                            "spans": [(s, e), (a, b)], "how": "alias"}
        new.append((NameHit(s, e, h.label, key, h.kind, "names_alias_after:long"), s, e))
        new.append((NameHit(a, b, h.label, key, h.kind, "names_alias_after:short"), a, b))
        taken.add(s, e)
        taken.add(a, b)
    if not defs:
        return hits, []
    # the definitions' spans replace the rule hits they overlap
    kept_all = [(h, s, e) for h, s, e in hits if not taken.overlaps(s, e)]
    kept_index = _Spans.of(kept_all)
    dropped: set[tuple[int, int]] = set()          # kept hits a use replaced (never rebuilt per use: issue 10)
    # bare uses of each short form (anywhere in the article's allowed lines, as the guide's "later BoM said")
    # one scan of the lines for all short forms (one pass per short form was quadratic on long lines,
    # issue 10); uses are then visited short form by short form, in definition order, as before
    uses_of: dict[str, list[tuple[int, int]]] = {short: [] for short in defs}
    all_shorts = _shorts_re(tuple(sorted(defs, key=len, reverse=True)))
    for line_start, _, line in lines:
        for m in all_shorts.finditer(line):
            for short in _shorts_at(line, m.start(), defs):
                uses_of[short].append((line_start + m.start(), line_start + m.start() + len(short)))
    for short, info in defs.items():
        for s, e in uses_of[short]:
            if taken.overlaps(s, e):
                continue
            poss = re.match(r"['’]s\s+", raw[e:e + 4])
            sub = [(h, a, b) for h, a, b in kept_index.overlapping(e, e + 400)
                   if (a, b) not in dropped and a == e + poss.end() and h.label == "AGENCY"] if poss else []
            if sub and info["label"] == "AGENCY":
                # "EPA's Office of Water": one span naming the sub-body, with the sub-body's key (guide v1.2)
                h, a, b = sub[0]
                dropped.update((x[1], x[2]) for x in kept_index.overlapping(s, b))
                new.append((NameHit(s, b, "AGENCY", canonical_key(raw[a:b], h.canonical), None, "names_acronym_possessive"), s, b))
                taken.add(s, b)
                continue
            inside = [(h, a, b) for h, a, b in kept_index.overlapping(s, e) if (a, b) not in dropped]
            if inside and not all((a, b) == (s, e) for _, a, b in inside):
                continue                        # part of a longer name ("EPA's Office of Water")
            dropped.update((a, b) for _, a, b in inside)
            new.append((NameHit(s, e, info["label"], info["key"], info["kind"], "names_acronym_use"), s, e))
            taken.add(s, e)
    kept = [x for x in kept_all if (x[1], x[2]) not in dropped]
    # never two overlapping name mentions: the first made (definitions before uses) stays
    chosen: list[tuple[NameHit, int, int]] = []
    chosen_spans = _Spans()
    for h, s, e in new:
        if not chosen_spans.overlaps(s, e):
            chosen.append((h, s, e))
            chosen_spans.add(s, e)
    new = chosen
    aliases = [{"short": short, "long": info["long"], "type": info["label"], "canonical": info["key"],
                "start": info["start"], "end": info["end"]} for short, info in defs.items()]
    aliases.sort(key=lambda a: a["start"])
    return kept + new, aliases


class _Spans:
    """Character spans (each with an optional payload) with overlap queries by bisection over their
    starts, the longest span's length as the look-back: checking every use of an acronym against every
    name of a long article costs n log n, not n² (a one-million-character line took minutes, issue 10)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.entries: list[tuple[int, int, Any]] = []
        self.longest = 0

    @classmethod
    def of(cls, hits: list[tuple[NameHit, int, int]]) -> "_Spans":
        """The spans of (hit, start, end) triples, each triple its own payload."""
        spans = cls()
        for x in hits:
            spans.add(x[1], x[2], x)
        return spans

    def add(self, s: int, e: int, payload: Any = None) -> None:
        i = bisect_right(self.starts, s)
        self.starts.insert(i, s)
        self.entries.insert(i, (s, e, payload))
        self.longest = max(self.longest, e - s)

    def overlapping(self, s: int, e: int) -> list[Any]:
        """Payloads of the spans overlapping [s, e), in start order."""
        window = self.entries[bisect_left(self.starts, s - self.longest):bisect_left(self.starts, e)]
        return [p for a, b, p in window if a < e and s < b]

    def overlaps(self, s: int, e: int) -> bool:
        return bool(self.overlapping(s, e))


ALIAS_AFTER_RE = re.compile(r"[ \t]*\(([A-Z][\w&.-]{1,11})\)")


@lru_cache(maxsize=256)
def _shorts_re(shorts: tuple[str, ...]) -> re.Pattern[str]:
    """Where any of the short forms starts (as _short_re would match it); _shorts_at says which."""
    return re.compile(r"(?<![\w&-])(?=" + "|".join(re.escape(x) for x in shorts) + r")")


def _shorts_at(line: str, i: int, defs: dict[str, Any]) -> list[str]:
    """The short forms that _short_re matches at position i of the line."""
    return [short for short in defs if line.startswith(short, i) and _short_re(short).match(line, i)]


@lru_cache(maxsize=256)
def _short_re(short: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w&-]){re.escape(short)}(?![\w&-]|-\w)")
