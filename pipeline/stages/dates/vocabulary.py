"""What the dates stage knows, read from its resource files (issue 19: one source of truth per stage).

- ``resources/lexicon.jsonl``: every word list and offset table (months, weekdays, seasons, units,
  relative words with their offsets, deictic days, ordinals ...), read with ``load_groups`` so a list
  this module does not know fails at load time with file and line.
- ``resources/rules.jsonl``: the rules, compiled from their patterns and the named fragments below.
  At load time a rule naming a handler that does not exist, or a relative word (in a ``rel``/``w``/
  ``which``/``dir`` group of its pattern) without an offset in the lexicon, fails with file and line:
  an unknown word never silently resolves to "now".
- ``resources/jurisdictions.jsonl``: numeric date order and financial years by country.

- ``resources/cues.jsonl``: the line cues (cheap substrings naming which rules may match a line); a
  rule requiring a cue that is not there fails at load time.

Structure, not vocabulary, stays in code: the shapes of days, years and numbers in ``date_fragments``
(digits, ``{1,3}`` groups), the clock-time tail, and the two computed cues (a four-digit year, a
numeric date).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.resources import ResourceError, load_groups, load_rows, resource_path, check_values
from pipeline.stages.quantities.numerals import fragments as number_fragments

STAGE = "dates"
LISTS = ("month", "weekday", "season", "daypart", "holiday", "set", "unit", "timezone", "vague_past",
         "vague_present", "vague_future", "rel", "ordinal", "deictic", "quarter_ref", "decade_ref", "direction")
# which lexicon table gives the offset of the words a rule's named group can capture (checked at load time)
OFFSET_GROUPS = {"rel": "rel", "rel2": "rel", "w": "rel", "which": "quarter_ref", "dir": "direction", "dir2": "direction"}
OFFSET_GROUPS_BY_HANDLER = {"decade_rel": {"which": "decade_ref", "which2": "decade_ref"},
                            "daypart": {"rel": "rel|deictic"}, "clock_date": {"w": "deictic"},
                            "deictic_day": {"w": "deictic"}}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, Any]]:
    """list name → {surface (lowercase, single spaces): value}."""
    groups = load_groups(STAGE, "lexicon", "list", LISTS)
    return {name: {row["surface"]: row["value"] for row in rows} for name, rows in groups.items()}


def _key(word: str) -> str:
    return re.sub(r"\s+", " ", word.strip().lower())


def offset(table: str, word: str) -> int:
    """The offset of a relative word in a lexicon table (rel, deictic, quarter_ref, decade_ref, direction).
    Words reach here only through patterns checked at load time, so a KeyError is a bug, not data."""
    return int(lexicon()[table][_key(word)])


def rel_offset(word: str) -> int:
    """"last" → -1, "this" → 0, "the following" → 1; "last year" reads as "last" (the {relyear} fragment)."""
    key = _key(word)
    return int(lexicon()["rel"][key[:-5] if key.endswith(" year") else key])


def ordinal(word: str, of: int | None = None) -> int | None:
    """"third" → 3; "last"/"final"/"latter" (value -1) → the last of a series of ``of`` (Q4 of 4), None without one."""
    value = int(lexicon()["ordinal"][_key(word)])
    if value < 0:
        return of
    return value


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def date_fragments() -> dict[str, str]:
    lex = lexicon()
    full = [m.capitalize() for m in lex["month"] if len(m) > 4 or m in ("may", "june", "july")]
    abbrev = [m.capitalize() for m in lex["month"] if m not in [f.lower() for f in full]]
    nf = number_fragments()
    zones = "|".join(sorted(lex["timezone"], key=len, reverse=True))
    return {
        # full names, or abbreviations with an optional dot ("Dec. 4", "Sept 30"); a full name never eats a full stop
        "monthcap": rf"(?<![A-Za-z])(?:(?:{_alt(full)})(?![a-z])|(?:{_alt(abbrev)})(?![a-z])\.?)",
        "day": r"(?:[12]\d|3[01]|0?[1-9])",
        "year": r"(?:1[89]\d\d|20\d\d|2100)",
        "relyear": r"(?:this|last|next)\s+year",
        # a number starts where a digit run starts: without the lookbehind "1,000,000,..." backtracks quadratically (issue 10)
        "num": rf"(?:(?<![\d,.])\d{{1,3}}(?:,\d{{3}})*(?:\.\d+)?|{nf['spelled']})",
        "unit": _alt(lex["unit"]),
        "season": _alt(lex["season"]),
        "weekday": "|".join(w.capitalize() for w in lex["weekday"]),
        "holiday": _alt(lex["holiday"]),
        "set": _alt(lex["set"]),
        "ordword": _alt(lex["ordinal"]),
        "tz": zones,
        # a clock time after a numeric or ISO date ("30/11/2023 2:00 pm AEDT", "2023-10-09 10:12:30",
        # "11/08/2024 at 6:05 p.m."): the date becomes a TIME; the zone stays inside the span, out of the value
        "clocktail": (r"(?:,?\s+(?:at\s+)?(?P<ch>[01]?\d|2[0-3])"
                      r"(?::(?P<cmin>[0-5]\d)(?::(?P<csec>[0-5]\d))?(?:\s*(?P<cap>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z]))?"
                      r"|\.(?P<cmin2>[0-5]\d)\s*(?P<cap2>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z])"
                      r"|\s*(?P<cap3>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z]))"
                      rf"(?:\s+(?P<ctz>(?:{zones})(?:[+-]\d{{1,2}}(?::?\d\d)?)?)(?![A-Za-z]))?)?"),
    }


# Cheap cues (resources/cues.jsonl): a rule runs on a line only when one of its cues occurs there.
# year4 and numdate are shapes, computed below.
COMPUTED_CUES = ("year4", "numdate")


@lru_cache(maxsize=1)
def cues() -> dict[str, tuple[str, ...]]:
    """cue name → lowercase substrings, any of which sets it."""
    return {row["cue"]: tuple(row["substrings"]) for row in load_rows(STAGE, "cues")}


_YEAR4 = re.compile(r"(?<!\d)(?:1[89]|20|21)\d\d(?!\d)")
_NUMDATE = re.compile(r"\d[/.-]\s?\d{1,2}[/.-]\s?\d|\d-[A-Za-z]{3}")


def line_cues(line: str) -> set[str]:
    low = line.lower()
    found = {name for name, subs in cues().items() if any(sub in low for sub in subs)}
    if _YEAR4.search(line):
        found.add("year4")
    if _NUMDATE.search(line):
        found.add("numdate")
    return found


@lru_cache(maxsize=1)
def conventions() -> dict[str, dict[str, Any]]:
    """Date conventions by ISO country (resources/jurisdictions.jsonl)."""
    return {row["code"]: row for row in load_rows(STAGE, "jurisdictions")}


@dataclass(frozen=True)
class Convention:
    """How the jurisdiction of an article writes dates (guide v1.2)."""

    month_first: bool = False      # 08/21/23 is August 21 (US); elsewhere day first
    fy_start: int = 1              # first month of the financial year
    fy_named_by_start: bool = False


def convention_for(code: str | None) -> Convention:
    if not code:
        return Convention()
    parts = str(code).upper().split("-")
    row = conventions().get(parts[0])
    if row is None:
        return Convention()
    fy = row.get("subdivision_fy_start", row.get("fy_start", 1)) if len(parts) > 1 else row.get("fy_start", 1)
    return Convention(row.get("order") == "mdy", int(fy), row.get("fy_named_by") == "start")


@dataclass(frozen=True)
class Rule:
    id: str
    handler: str
    regex: re.Pattern[str]
    requires: tuple[str, ...] = ()


_GROUP = re.compile(r"\(\?P<(?P<name>[a-z0-9]+)>(?P<body>[^()]*)\)")


def _group_words(body: str) -> list[str]:
    """The literal alternatives of a pattern group ("this|the\\s+current" → ["this", "the current"]);
    a {fragment} stands for its own words ({relyear}: this/last/next year)."""
    body = body.replace("{relyear}", "this|last|next")
    return [_key(alt.replace(r"\s+", " ").replace("\\", "")) for alt in body.split("|")]


def check_rules(handlers: Iterable[str]) -> None:
    """Fail at load time, naming file and line, when a rule names a handler that does not exist, or when a
    relative word its pattern can capture has no offset in the lexicon."""
    check_values(STAGE, "rules", "handler", handlers)
    check_values(STAGE, "rules", "requires", set(cues()) | set(COMPUTED_CUES), optional=True)
    lex = lexicon()
    path = resource_path(STAGE, "rules")
    with path.open(encoding="utf-8") as fh:
        numbered = [(n, json.loads(line)) for n, line in enumerate(fh, 1) if line.strip() and n > 1]
    for lineno, row in numbered:
        groups = {**OFFSET_GROUPS, **OFFSET_GROUPS_BY_HANDLER.get(row["handler"], {})}
        for name in groups:
            if f"(?P<{name}>" in row["pattern"] and not re.search(rf"\(\?P<{name}>[^()]*\)", row["pattern"]):
                raise ResourceError(f"{path}:{lineno}: rule {row['id']}: group {name} must list its words "
                                    "literally (no nested groups), so their offsets can be checked")
        for m in _GROUP.finditer(row["pattern"]):
            tables = groups.get(m.group("name"))
            if tables is None:
                continue
            for word in _group_words(m.group("body")):
                if not any(word in lex[t] for t in tables.split("|")):
                    raise ResourceError(f"{path}:{lineno}: rule {row['id']}: {m.group('name')} word {word!r} has no "
                                        f"offset in lexicon.jsonl list {tables}")


@lru_cache(maxsize=1)
def compiled_rules() -> tuple[Rule, ...]:
    frags = date_fragments()
    rules = []
    for row in load_rows(STAGE, "rules"):
        pattern = re.sub(r"\{([a-z]+)\}", lambda m: f"(?:{frags[m.group(1)]})" if m.group(1) in frags else m.group(0), row["pattern"])
        flags = re.IGNORECASE if "i" in row.get("flags", "") else 0
        rules.append(Rule(row["id"], row["handler"], re.compile(pattern, flags), tuple(row.get("requires", ()))))
    return tuple(rules)
