"""Segmentation stage (``govnews_segment``): line kinds and the publication date.

Requires: nothing (runs first, on the raw text of the Doc).
Assigns: ``doc._.lines`` (one dict per newline-delimited line: start, end, kind, rule),
``doc._.published`` / ``doc._.published_basis`` when the metadata did not set them,
and ``doc._.flags``.

Line kinds follow the annotation guide: with the learned line classifier (``line_model.py``,
the default) the model decides every line and only the ``exact`` rules of
``pipeline/stages/segment/resources/line_rules.jsonl`` override it; without a model
(``line_model = null``) boilerplate, metadata and caption lines are recognised by all the rules
of that file (a rule's ``kind`` outside caption/metadata/boilerplate fails at load time), and
title and heading come from the page structure (short, unpunctuated lines before the first long
paragraph, or between paragraphs). Mentions are never taken from metadata or boilerplate lines:
other stages ask ``mention_allowed``.

Kept in code as structure, not vocabulary: the sentence-end characters, the glued-heading shape,
the word-count limits, the count words of a relative release time (``_NUM_WORDS``: "a", "an",
"one" = 1, grammar rather than vocabulary), and the rule ids of the structural decisions (``cap_block``,
``bp_site_above_nav``, ``title_first_headline``, ``heading_short_unpunctuated``, ``bp_feed_headline``).
The publication-date fallback below (``find_published``) reads ``published_rules.jsonl``.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import raw_text
from pipeline import extensions  # noqa: F401  (registers extensions)
from pipeline.stages.segment import jurisdiction
from pipeline.stages.segment import published
from pipeline.stages.segment import templates
from pipeline.stages.segment.title_hint import RULE_ID as TITLE_HINT_RULE, title_line
from pipeline.stages.segment.article_fields import find_fields
from pipeline.resources import check_values, load_rows

EXCLUDED_KINDS = frozenset({"metadata", "boilerplate"})
# A metadata/boilerplate rule never claims a line longer than this (the longest chrome line in
# the corpus has 39 words): an article delivered as one long line that mentions "cookies" or
# "all rights reserved" somewhere is body text, not chrome (issue 10: all its mentions were lost).
CHROME_MAX_WORDS = 80
LINE_KINDS = ("title", "heading", "caption", "metadata", "boilerplate", "body")
_SENTENCE_END = re.compile(r"[.!?。;:…]['\"”’)]*\s*$")
_WORD = re.compile(r"\S+")
# "Technology leads innovationHow long does it take ...": a heading glued to the paragraph after it
_GLUED_HEADING = re.compile(r"^([A-Z][^.!?:;\"“]{5,120}?[a-z])(?=[A-Z][a-z]+\s)")


@dataclass(frozen=True)
class LineRule:
    id: str
    kind: str
    regex: re.Pattern[str]
    max_words: int | None
    exact: bool = False


LINE_RULE_KINDS = ("caption", "metadata", "boilerplate")   # title and heading come from page structure, not rules


def _compile_line_rules() -> list[LineRule]:
    """The rules of line_rules.jsonl, in file order; a kind outside ``LINE_RULE_KINDS`` fails at load time."""
    check_values("segment", "line_rules", "kind", LINE_RULE_KINDS)
    rules = []
    for row in load_rows("segment", "line_rules"):
        flags = 0 if row.get("case_sensitive") else re.IGNORECASE
        rules.append(LineRule(row["id"], row["kind"], re.compile(row["pattern"], flags), row.get("max_words"),
                              bool(row.get("exact"))))
    return rules


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every newline-delimited line; end excludes the newline."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


class LineClassifier:
    """Gives every line a kind; pure function of the text.

    With ``model`` (a directory such as ``models/line_model``, the component setting
    ``line_model``), the learned line classifier of ``line_model.py`` decides every line from page
    structure and picks the title; only the rules marked ``exact`` in ``line_rules.jsonl`` (a line
    that is only ``Like(0)``/``Share:``, a licence number) override it. Without a model, the
    cue-word rules and the structural heuristics below decide (the behaviour before issue 24)."""

    def __init__(self, title_max_words: int = 30, heading_max_words: int = 20, long_line_words: int = 40,
                 model: str | None = None):
        self.rules = _compile_line_rules()
        self.exact_rules = [r for r in self.rules if r.exact]
        self.title_max_words = title_max_words
        self.heading_max_words = heading_max_words
        self.long_line_words = long_line_words
        self.model = None
        if model:
            from pipeline.stages.segment.line_model import load_line_model

            self.model = load_line_model(str(model))

    def rule_kind(self, line: str, rules: list[LineRule] | None = None) -> tuple[str, str] | None:
        stripped = line.strip()
        n_words = len(_WORD.findall(stripped))
        for rule in (self.rules if rules is None else rules):
            if rule.max_words is not None and n_words > rule.max_words:
                continue
            if rule.kind in EXCLUDED_KINDS and n_words > CHROME_MAX_WORDS:
                continue
            if rule.regex.search(stripped):
                return rule.kind, rule.id
        return None

    def classify(self, text: str, batch_counts: dict[str, int] | None = None,
                 title_hint: str | None = None) -> list[dict[str, Any]]:
        """Line kinds; ``title_hint`` is the title given with the input (used by the line model only)."""
        if self.model is not None:
            return self._classify_model(text, batch_counts, title_hint)
        spans = split_lines(text)
        lines: list[dict[str, Any]] = [{"start": s, "end": e, "kind": "body", "rule": None} for s, e in spans]
        words = [len(_WORD.findall(text[s:e])) for s, e in spans]
        for entry in lines:
            hit = self.rule_kind(text[entry["start"]:entry["end"]])
            if hit:
                entry["kind"], entry["rule"] = hit
        self._structure(text, lines, words)
        return lines

    def _classify_model(self, text: str, batch_counts: dict[str, int] | None,
                        title_hint: str | None = None) -> list[dict[str, Any]]:
        assert self.model is not None            # classify() calls this only with a model
        raw_lines = text.split("\n")
        hinted = title_line(raw_lines, title_hint)
        kinds = self.model.predict(raw_lines, batch_counts, hinted)
        # A text of one non-blank line has no page around it: that line is the article (a snippet or
        # a one-line feed item), whatever the model, trained on whole pages, makes of it.
        single = sum(1 for line in raw_lines if line.strip()) == 1
        out, pos = [], 0
        for line, kind in zip(raw_lines, kinds):
            entry = {"start": pos, "end": pos + len(line), "kind": kind, "rule": self.model.rule_id}
            pos += len(line) + 1
            if not line.strip():
                entry["kind"], entry["rule"] = "body", "blank_line"
                out.append(entry)
                continue
            # exact rules claim short lines only: a 20 MB one-line article is not even scanned
            hit = self.rule_kind(line, self.exact_rules) if self.exact_rules and len(line) <= 2000 else None
            if len(out) == hinted:
                entry["kind"], entry["rule"] = "title", TITLE_HINT_RULE
            elif hit:
                entry["kind"], entry["rule"] = hit
            elif single:
                entry["kind"], entry["rule"] = "body", "single_line_text"
            out.append(entry)
        return out

    def _looks_like_headline(self, line: str, n_words: int, max_words: int) -> bool:
        stripped = line.strip()
        return (0 < n_words <= max_words and not _SENTENCE_END.search(stripped)
                and (stripped[:1].isupper() or stripped[:1].isdigit() or stripped[:1] in "\"“'‘"))

    def _structure(self, text: str, lines: list[dict[str, Any]], words: list[int]) -> None:
        nonempty = [i for i, n in enumerate(words) if n > 0]
        # Captions travel in blocks: an uncredited line between caption lines, or a short
        # name line just above a credited caption, is part of the same caption block.
        for pos, i in enumerate(nonempty):
            if lines[i]["kind"] != "body" or words[i] >= self.long_line_words:
                continue
            prev_k = lines[nonempty[pos - 1]]["kind"] if pos > 0 else None
            next_k = lines[nonempty[pos + 1]]["kind"] if pos + 1 < len(nonempty) else None
            line_text = text[lines[i]["start"]:lines[i]["end"]].strip()
            is_name = all(w[:1].isupper() for w in line_text.split())      # "Chen Wei" above his photo
            if (prev_k == "caption" and next_k == "caption") or (next_k == "caption" and words[i] <= 4 and is_name and not _SENTENCE_END.search(line_text)):
                lines[i]["kind"], lines[i]["rule"] = "caption", "cap_block"
        # A site name on the first line, directly above navigation or chrome, is chrome too.
        if len(nonempty) > 1 and lines[nonempty[0]]["kind"] == "body" and lines[nonempty[1]]["kind"] == "boilerplate" \
                and lines[nonempty[1]]["rule"] == "bp_nav":
            lines[nonempty[0]]["kind"], lines[nonempty[0]]["rule"] = "boilerplate", "bp_site_above_nav"
        title_open, seen_body = True, False
        for pos, i in enumerate(nonempty):
            entry = lines[i]
            line = text[entry["start"]:entry["end"]]
            if words[i] >= self.long_line_words:
                title_open = False
            if entry["kind"] == "caption":
                title_open = False          # an article that opens with photos has no title line (seed 000)
            if entry["kind"] != "body":
                continue
            glued = _GLUED_HEADING.match(line)
            if glued and len(_WORD.findall(glued.group(1))) <= 12 and pos > 0:
                entry["kind"], entry["rule"] = "heading", "heading_glued_to_body"   # kind of its first part
                seen_body = True
                continue
            if title_open and not seen_body and self._looks_like_headline(line, words[i], self.title_max_words):
                entry["kind"], entry["rule"] = "title", "title_first_headline"
                title_open = False
                continue
            is_last = pos + 1 >= len(nonempty)
            if (not is_last and self._looks_like_headline(line, words[i], self.heading_max_words)
                    and lines[nonempty[pos + 1]]["kind"] in ("body",)):
                entry["kind"], entry["rule"] = "heading", "heading_short_unpunctuated"
                continue
            following = (lines[nonempty[j]]["kind"] for j in range(pos + 1, len(nonempty)))  # lazy: stops at the first body line (issue 10)
            if (seen_body and self._looks_like_headline(line, words[i], self.title_max_words)
                    and all(k in ("boilerplate", "metadata") for k in following)):
                entry["kind"], entry["rule"] = "boilerplate", "bp_feed_headline"   # another story's headline
                continue
            seen_body = True
            title_open = False


# --------------------------------------------------------------------------- publication date

@dataclass(frozen=True)
class PublishedRule:
    id: str
    basis: str
    where: str
    regex: re.Pattern[str]


def _compile_published_rules() -> list[PublishedRule]:
    return [PublishedRule(r["id"], r["basis"], r["where"], re.compile(r["pattern"]))
            for r in load_rows("segment", "published_rules")]


_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_iso_partial(value: str | None) -> tuple[int, int | None, int | None] | None:
    """'2024' / '2024-09' / '2024-09-05' → (year, month|None, day|None); None if malformed or impossible."""
    if not value or not isinstance(value, str):
        return None
    m = _ISO.match(value.strip())
    if not m:
        return None
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if mo is not None and not 1 <= int(mo) <= 12:
        return None
    if d is not None:
        if not 1 <= int(d) <= calendar.monthrange(y, int(mo))[1]:
            return None
    return y, int(mo) if mo else None, int(d) if d else None


def format_partial(y: int, m: int | None, d: int | None) -> str:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


_NUM_WORDS = {"a": 1, "an": 1, "one": 1}


def _subtract(anchor: tuple[int, int | None, int | None], n: int, unit: str) -> str | None:
    y, m, d = anchor
    if unit in ("minute", "hour"):
        return format_partial(y, m, d)
    if unit in ("day", "week"):
        if d is None or m is None:
            return format_partial(y, m, None) if m else None
        days = n * (7 if unit == "week" else 1)
        return date.fromordinal(date(y, m, d).toordinal() - days).isoformat()
    if unit == "month":
        if m is None:
            return None
        total = y * 12 + (m - 1) - n
        return format_partial(total // 12, total % 12 + 1, None)
    if unit == "year":
        return format_partial(y - n, None, None)
    return None


def _parse_found_date(span: str, default_year: int | None, retrieved_date: date | None = None) -> str | None:
    """Parse a date string that a rule found (never free text) with dateparser."""
    import dateparser  # imported lazily: only documents without a published date pay for it

    has_year = re.search(r"\b(19|20)\d{2}\b", span) is not None
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", span)
    if compact:
        span = "-".join(compact.groups())
    if not has_year and default_year is None and not compact:
        return None
    settings = {"PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "YMD" if re.match(r"\d{4}", span) else "MDY",
                "RETURN_AS_TIMEZONE_AWARE": False}
    if not has_year and not compact:
        span = f"{span} {default_year}"
    parsed = dateparser.parse(span.replace("Sept.", "Sep.").replace("/", "-"), languages=["en"], settings=settings)
    if not parsed:
        return None
    found = parsed.date()
    if not has_year and not compact and retrieved_date is not None and found > retrieved_date:
        found = found.replace(year=found.year - 1)   # "Dec. 28" retrieved in January: last year's December
    return found.isoformat()


def find_published(text: str, url: str | None, retrieved: str | None,
                   first_lines: int = 12) -> tuple[str | None, str | None, str | None]:
    """Publication date from the article itself: (published, basis, rule id) or Nones."""
    head = "\n".join(text.split("\n")[:first_lines])
    anchor = parse_iso_partial(retrieved)
    for rule in _compile_published_rules():
        target = {"text": text, "first_lines": head, "url": url or ""}[rule.where]
        m = rule.regex.search(target)
        if not m:
            continue
        if rule.basis == "relative-release-time":
            if anchor is None:
                continue  # "N months ago" says nothing without the retrieval date
            n_raw = m.group("n").lower()
            n = _NUM_WORDS.get(n_raw) or int(n_raw)
            value = _subtract(anchor, n, m.group("unit").lower())
            if value:
                return value, rule.basis, rule.id
            continue
        retrieved_day = date(anchor[0], anchor[1] or 12, anchor[2] or calendar.monthrange(anchor[0], anchor[1] or 12)[1]) if anchor else None
        value = _parse_found_date(m.group("date"), anchor[0] if anchor else None, retrieved_day)
        if value:
            return value, rule.basis, rule.id
    return None, None, None


def line_kind_at(doc: Doc, char: int) -> str:
    """Kind of the line holding character offset ``char``."""
    lines = doc._.lines or []
    lo, hi = 0, len(lines) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if char < lines[mid]["start"]:
            hi = mid - 1
        elif char > lines[mid]["end"]:
            lo = mid + 1
        else:
            return lines[mid]["kind"]
    return "body"


def mention_allowed(doc: Doc, start: int, end: int) -> bool:
    """A mention may be emitted only inside one line that is not metadata/boilerplate."""
    if "\n" in raw_text(doc)[start:end]:
        return False
    return line_kind_at(doc, start) not in EXCLUDED_KINDS


def allowed_ranges(doc: Doc) -> Iterable[tuple[int, int]]:
    """Character ranges of the lines that stages may extract from."""
    for entry in doc._.lines or []:
        if entry["kind"] not in EXCLUDED_KINDS and entry["end"] > entry["start"]:
            yield entry["start"], entry["end"]


def allowed_lines(doc: Doc) -> Iterable[tuple[int, int, str]]:
    """(start, end, text) of the lines that stages may extract from; ``doc.text`` is read once
    because spaCy re-joins every token on each access (issue 10)."""
    from pipeline.execution.isolation import CURRENT_LINE

    text = raw_text(doc)
    for start, end in allowed_ranges(doc):
        doc.user_data[CURRENT_LINE] = (start, end)   # named in the error if the stage fails here (issue 22)
        yield start, end, text[start:end]


def template_lines(text: str, batch_counts: dict[str, int]) -> list[dict[str, int]]:
    """Lines the batch has seen in earlier articles of the same source: {start, end, seen_in}."""
    from pipeline.stages.segment.line_model import normalise_line

    out, pos = [], 0
    for line in text.split("\n"):
        seen = batch_counts.get(normalise_line(line), 1) - 1 if line.strip() else 0
        if seen > 0:
            out.append({"start": pos, "end": pos + len(line), "seen_in": seen})
        pos += len(line) + 1
    return out


class Segmenter:
    def __init__(self, nlp: Language, name: str, title_max_words: int, heading_max_words: int, long_line_words: int,
                 line_model: str | None = None, title_from_input: bool = True):
        self.name = name
        self.classifier = LineClassifier(title_max_words, heading_max_words, long_line_words, model=line_model)
        self.title_from_input = title_from_input

    @staticmethod
    def _published_from_text(doc: Doc) -> str:
        """Find the publication date in the text (the learned ranker over every date of the page,
        then the rules for what it cannot see: "Release Time N months ago" with the retrieval
        date, a dateline without a year, the URL, a press conference); returns the flag."""
        meta = doc._.meta or {}
        ranked = published.find(raw_text(doc), doc._.lines or [], (doc._.jurisdiction or {}).get("code"))
        if ranked is not None:
            value, basis, cand = ranked
            doc._.published, doc._.published_basis = value, basis
            return f"published-from-text:{cand.rule}@line{cand.line}"
        found, found_basis, rule = find_published(raw_text(doc), meta.get("url"), doc._.retrieved)
        if found:
            doc._.published, doc._.published_basis = found, found_basis
            return f"published-from-text:{rule}"
        return "published-missing"

    def __call__(self, doc: Doc) -> Doc:
        batch_counts = (doc._.meta or {}).get(templates.META_KEY)   # set by a batch run (templates.py)
        title_hint = (doc._.meta or {}).get("title") if self.title_from_input else None
        doc._.lines = self.classifier.classify(raw_text(doc), batch_counts,
                                               title_hint if isinstance(title_hint, str) else None)
        if batch_counts:
            doc._.template_lines = template_lines(raw_text(doc), batch_counts)
        doc._.jurisdiction = jurisdiction.infer(raw_text(doc), doc._.meta or {})
        doc._.article_fields = find_fields(raw_text(doc), doc._.lines)
        flags = list(doc._.flags or [])
        if raw_text(doc).strip() and not any(True for _ in allowed_ranges(doc)):
            flags.append("no-body-lines")     # every line is chrome: say so, the stages will find nothing (issue 10)
        if doc._.published is None:
            flags.append(self._published_from_text(doc))
        doc._.flags = flags
        return doc


@Language.factory(
    "govnews_segment",
    assigns=["doc._.lines", "doc._.published", "doc._.published_basis", "doc._.flags"],
    default_config={"title_max_words": 30, "heading_max_words": 20, "long_line_words": 40, "line_model": None,
                    "title_from_input": True},
)
def make_segmenter(nlp: Language, name: str, title_max_words: int, heading_max_words: int,
                   long_line_words: int, line_model: str | None = None, title_from_input: bool = True) -> Segmenter:
    return Segmenter(nlp, name, title_max_words, heading_max_words, long_line_words, line_model, title_from_input)
