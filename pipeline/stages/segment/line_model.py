"""Learned line classifier (issue 24): page-structure features and a linear-chain CRF.

The cue-word rules of ``line_rules.jsonl`` do not transfer to unseen publishers; page structure
does. Every non-blank line of an article is described by features that say nothing about a
particular site: relative position from top and bottom, length, stopword density, share of
capitalised tokens, terminal punctuation, date/time/phone/e-mail/URL shapes, separator
characters, glued menu words, membership of (and signed distance to) the longest contiguous
run of long lines, a small closed list of generic cue words (``pipeline/stages/segment/resources/
line_cues.jsonl``, data, not code; a cue group the trained model has no feature for fails at load
time, ``CUE_GROUPS``) and how often the normalised line repeats; the same features of the neighbouring
lines are copied in with a prefix. A CRF (python-crfsuite, trained by
``bench/train_line_model.py`` from the train split only) labels the sequence; the title is chosen
afterwards as the one top line the model finds most title-like (none when no line is).

The shape patterns below (dates, times, phones, e-mail, URLs, separators, bullets) stay in code:
they are structure, and they define the features the stored model was trained on, so changing
one means retraining.

Everything here is a pure function of the text (plus the optional batch repeat counts), linear in
the number of lines, and loads its model file offline.
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from pipeline.resources import load_groups, load_rows
from pipeline.paths import REPO_DIR

REPO = REPO_DIR
KINDS = ("title", "heading", "caption", "metadata", "boilerplate", "body")
# The base features; the optional groups (FEATURE_GROUPS) add features without changing these, so a
# model's meta.json names its groups and a model trained with none is a version-1 model unchanged.
FEATURE_VERSION = 1

# A line is "long" (prose) from this many whitespace tokens on; the article is the contiguous run
# of lines with the highest (long lines - short lines) score.
LONG_TOKENS = 12
# Only this many characters of a line are looked at for shapes (a 20 MB one-line article stays linear).
SCAN_CHARS = 2000
TITLE_WINDOW = 25          # the title is looked for among the first lines up to the article run (+ this cap)

_TOKEN = re.compile(r"\S+")
_ALPHA = re.compile(r"[^\W\d_]+")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"\b(?:\d{{4}}[-/.年]\d{{1,2}}[-/.月]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{4}})\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|ET|GMT|UTC|BST|AEST|CET)?\b", re.I)
_REL_TIME = re.compile(r"\b\d+\s*(?:minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b", re.I)
_PHONE = re.compile(r"(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,4}\)[\s-]?)?\d{2,4}[\s-]\d{3,4}[\s-]?\d{0,4}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|gov|net|edu|int|cn|uk|au|in|ca|nz|za|ng|ke|sg|ph|my|jp|de|eu|ie|example)(?:/\S*)?\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_GLUED = re.compile(r"[a-z][A-Z][a-z]")
_QUOTE_START = "\"“'‘«"
_BULLET = "•·-–—*▪►>»›"
_SEPARATORS = {"pipe": "|", "angle": "›>»", "slash": "/", "dot": "·•", "bracket": "[]"}
_MONTH_DATE = re.compile(rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?(?:\s+\d{{4}})?)", re.I)
_NUM_DATE = re.compile(r"\b(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b")
_WEEKDAY = re.compile(r"\b(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|nesday|sday|urday)?\b\.?,?", re.I)
_CLOCK = re.compile(r"\b\d{1,2}[:h]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|[A-Z]{2,4}T?\b)?|\b\d{1,2}\s*[ap]\.?m\.?", re.I)
# "By Jane Doe", "Written by J. Doe and A. Smith", "Reporter: Li Wei": a by-word then 1-4 capitalised tokens
_BYLINE = re.compile(r"^\W*(?:by|written by|words by|reported by|reporter|author|posted by)\b[:\s]+((?:[A-Z][\w.'’-]*\s*(?:and\s+|&\s*|,\s*)?){1,4})", re.I)
_CAP_NAME = re.compile(r"^(?:[A-Z][\w.'’-]*\s*){1,4}$")
_LABEL = re.compile(r"^\W*[^\W\d_][\w ]{0,24}[:：]\s*\S")
_SEGMENT_SPLIT = re.compile(r"\s*[|·•/–—]\s*")
_LINE_NORM = re.compile(r"[\W\d_]+")
_WIDE_CHAR = re.compile("[^\u0000-\u2e7f]")      # CJK and other wide scripts
_DIGIT_CHAR = re.compile(r"\d")
# Optional feature groups of issue 24 (second pass), measured by leave-one-family-out
# (bench/line_model_cv.py --groups; none is on in the shipped model, docs/segmentation.md "Second pass");
# a model's meta.json names the groups it was trained with and the loader computes exactly those.
#   meta     date/time shapes in more detail (month-name or numeric date, weekday, clock time, share of
#            the line that is a date) and byline/label shapes
#   anchor   position relative to the first long (prose) line of the page
#   title    the longest capitalised short line above the article run
#   heading  a short unpunctuated line between prose lines
#   topic    how many of the line's content words recur in the article's prose (its long lines, the
#            line itself left out): the article's title, headings and captions speak of what its
#            paragraphs speak of; menus, sidebar headlines of other articles, teasers and promos do not.
#            Vocabulary-free: it compares the page with itself, so it carries to any publisher.
#   flow     a paragraph hard-wrapped into several lines (PDF-to-text, e-mail, fixed-width pages) is
#            described once, as the paragraph it is (``wrapped_paragraphs``), and its lines share those
#            features: a wrapped line is otherwise a short line that ends mid-sentence, i.e. chrome
FEATURE_GROUPS = ("meta", "anchor", "title", "heading", "topic", "flow")
# The cue groups the trained model has features for (models/line_model was trained with these names):
# a new group needs a retrained model, so a group outside this set fails at load time.
CUE_GROUPS = ("share", "print", "subscribe", "copyright", "cookie", "photo", "editor", "source", "related", "reply",
              "posted", "updated", "by", "nav", "contact")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def cue_table() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """(exact word -> group, ((prefix, group), ...)) from resources/segment/line_cues.jsonl."""
    exact: dict[str, str] = {}
    prefix: list[tuple[str, str]] = []
    load_groups("segment", "line_cues", "group", CUE_GROUPS)      # fails on an unknown group, naming file and line
    for row in load_rows("segment", "line_cues"):                    # file order: the first matching prefix wins
        cue = row["cue"].lower()
        if cue.endswith("*"):
            prefix.append((cue[:-1], row["group"]))
        else:
            exact[cue] = row["group"]
    return exact, tuple(prefix)


@lru_cache(maxsize=65536)
def cue_group(token: str) -> str | None:
    """The cue group of a lower-cased token: an exact cue, else the first matching prefix cue (file order)."""
    exact, prefix = cue_table()
    g = exact.get(token)
    if g is None:
        for p, pg in prefix:
            if token.startswith(p):
                return pg
    return g


def _bucket(x: float, edges: Sequence[float]) -> int:
    for i, e in enumerate(edges):
        if x <= e:
            return i
    return len(edges)


def normalise_line(line: str) -> str:
    """The key a line repeats under: letters only, lower-cased (digits and punctuation dropped)."""
    return _LINE_NORM.sub(" ", line[:SCAN_CHARS].lower()).strip()


def longest_run(n_tokens: Sequence[int], long_tokens: int = LONG_TOKENS,
                sentences: Sequence[bool] | None = None) -> tuple[int, int]:
    """(first, last) index of the contiguous run with the best (long lines - short lines) score;
    (-1, -1) when no line is long. A line is long with ``long_tokens`` tokens, or with half as many
    when it ends like a sentence (``sentences``). Kadane's maximum subarray: linear."""
    best, best_span = 0, (-1, -1)
    cur, start = 0, 0
    half = long_tokens // 2
    for i, n in enumerate(n_tokens):
        long = n >= long_tokens or (sentences is not None and sentences[i] and n >= half)
        w = 1 if long else -1
        if cur <= 0:
            cur, start = w, i
        else:
            cur += w
        if cur > best:
            best, best_span = cur, (start, i)
    return best_span


def _line_base(line: str, pos: int, m: int, n_tok: int, run: tuple[int, int], repeats: int,
               batch_repeats: int) -> dict[str, float]:
    """Own features of one non-blank line (``pos`` among ``m`` non-blank lines)."""
    s = line.strip()
    scan = s[:SCAN_CHARS]
    f: dict[str, float] = {"bias": 1.0}
    f[f"top={min(pos, 8)}"] = 1.0
    f[f"bot={min(m - 1 - pos, 8)}"] = 1.0
    rel = pos / (m - 1) if m > 1 else 0.0
    f[f"rel={int(rel * 5)}"] = 1.0
    f[f"doc_lines={_bucket(m, (1, 2, 5, 10, 20, 40))}"] = 1.0
    f[f"tok={_bucket(n_tok, (1, 2, 3, 5, 8, 12, 20, 35, 60, 120))}"] = 1.0
    f[f"chars={_bucket(len(s), (3, 8, 16, 32, 64, 128, 256, 512))}"] = 1.0
    words = [w for w in _ALPHA.findall(scan)]
    n_alpha = len(words)
    sw = stopwords()
    if n_alpha:
        stop = sum(1 for w in words if w.lower() in sw) / n_alpha
        cap = sum(1 for w in words if w[:1].isupper()) / n_alpha
        f[f"stop={_bucket(stop, (0.0, 0.1, 0.2, 0.3, 0.45))}"] = 1.0
        f[f"cap={_bucket(cap, (0.0, 0.2, 0.4, 0.6, 0.8, 0.99))}"] = 1.0
        if all(w.isupper() for w in words) and n_alpha >= 1 and any(len(w) > 1 for w in words):
            f["allcaps"] = 1.0
    else:
        f["noalpha"] = 1.0
    # counted by regex, not a Python loop per character (the line model's largest cost, bench/stage_speed.py)
    nonascii = len(_WIDE_CHAR.findall(scan)) / max(1, len(scan))
    if nonascii > 0.2:
        f["cjk"] = 1.0
    digits = len(_DIGIT_CHAR.findall(scan)) / max(1, len(scan))
    f[f"digits={_bucket(digits, (0.0, 0.05, 0.15, 0.3, 0.5))}"] = 1.0
    last = s[-1]
    if last in ".!?。":
        term = "stop"
    elif last in ":：":
        term = "colon"
    elif last in ";,":
        term = "comma"
    elif last in ")]":
        term = "close"
    elif last in "\"”’'":
        term = "quote"
    elif last.isdigit():
        term = "digit"
    elif last.isalpha():
        term = "alpha"
    else:
        term = "other"
    f["end=" + term] = 1.0
    first = s[0]
    if first.isupper():
        start = "upper"
    elif first.islower():
        start = "lower"
    elif first.isdigit():
        start = "digit"
    elif first in _QUOTE_START:
        start = "quote"
    elif first in _BULLET:
        start = "bullet"
    elif first in "([":
        start = "open"
    elif first.isalpha():
        start = "alpha"
    else:
        start = "other"
    f["start=" + start] = 1.0
    # each shape needs a digit ('@', '.'): the cheap test first, the same features (the line model's
    # largest cost, bench/stage_speed.py)
    has_digit = digits > 0
    if has_digit and _DATE.search(scan):
        f["shape=date"] = 1.0
    if has_digit and _TIME.search(scan):
        f["shape=time"] = 1.0
    if has_digit and _REL_TIME.search(scan):
        f["shape=ago"] = 1.0
    if "@" in scan and _EMAIL.search(scan):
        f["shape=email"] = 1.0
    elif ("." in scan or "://" in scan) and _URL.search(scan):
        f["shape=url"] = 1.0
    if has_digit and _PHONE.search(scan):
        f["shape=phone"] = 1.0
    if has_digit and _YEAR.search(scan):
        f["shape=year"] = 1.0
    for name, chars in _SEPARATORS.items():
        k = sum(scan.count(c) for c in chars)
        if k:
            f[f"sep_{name}={min(k, 3)}"] = 1.0
    glued = len(_GLUED.findall(scan))
    if glued:
        f[f"glued={min(glued, 3)}"] = 1.0
    toks = [t.lower() for t in _ALPHA.findall(scan[:300])]
    if "©" in scan:
        f["cue=copyright"] = 1.0
    for j, t in enumerate(toks[:40]):
        g = cue_group(t)
        if g is not None:
            f["cue=" + g] = 1.0
            if j == 0:
                f["cue0=" + g] = 1.0
    a, b = run
    if a < 0:
        f["run=none"] = 1.0
    elif a <= pos <= b:
        f["run=in"] = 1.0
    else:
        d = pos - a if pos < a else pos - b
        f[f"run_d={max(-4, min(4, d))}"] = 1.0
    if repeats > 1:
        f["rep_doc"] = 1.0
    if batch_repeats > 1:
        f[f"rep_batch={min(batch_repeats, 3)}"] = 1.0
    return f


def _meta_features(scan: str, f: dict[str, float]) -> None:
    """Metadata shapes of one line (group "meta"): which kind of date, a weekday, a clock time, how
    much of the line the date/time fills, a byline (a by-word then 1-4 capitalised tokens, or a short
    capitalised name beside a date across a separator) and a leading "Label:"."""
    digit = _DIGIT_CHAR.search(scan) is not None       # every date and clock shape has one: skip three scans
    month = _MONTH_DATE.findall(scan) if digit else []
    numeric = _NUM_DATE.findall(scan) if digit else []
    clock = _CLOCK.findall(scan) if digit else []
    weekday = _WEEKDAY.findall(scan[:80])
    if month:
        f["md_date=month"] = 1.0
    if numeric:
        f["md_date=num"] = 1.0
    if clock:
        f["md_clock"] = 1.0
    if weekday and (month or numeric):
        f["md_weekday_date"] = 1.0
    covered = sum(len(x) for x in month) + sum(len(x) for x in numeric) + sum(len(x) for x in clock) \
        + (sum(len(x) for x in weekday) if (month or numeric) else 0)
    if covered:
        share = covered / max(1, len(scan))
        f[f"md_date_share={_bucket(share, (0.25, 0.5, 0.75))}"] = 1.0
    if _BYLINE.match(scan):
        f["md_byline"] = 1.0
    elif month or numeric or clock:
        parts = [x for x in _SEGMENT_SPLIT.split(scan) if x]
        if len(parts) >= 2 and any(_CAP_NAME.match(x) and not _MONTH_DATE.search(x) and not _WEEKDAY.search(x)
                                   for x in parts):
            f["md_name_sep_date"] = 1.0
    if _LABEL.match(scan):
        f["md_label"] = 1.0


def _page_features(texts: Sequence[str], n_tok: Sequence[int], run: tuple[int, int], base: list[dict[str, float]],
                   groups: frozenset[str]) -> None:
    """Features that place a line on the page (groups "anchor", "title", "heading"), added to ``base``."""
    if not groups & {"anchor", "title", "heading"}:
        return
    m = len(texts)
    long = [n >= LONG_TOKENS for n in n_tok]
    first_long = next((p for p in range(m) if long[p]), -1)
    ends = [t.rstrip()[-1:] for t in texts]
    if "anchor" in groups:
        for p in range(m):
            if first_long < 0:
                base[p]["fl=none"] = 1.0
            else:
                base[p][f"fl_d={max(-6, min(3, p - first_long))}"] = 1.0
    if "title" in groups:
        # the title is usually the longest capitalised, unpunctuated short line above the prose
        top = run[0] if run[0] >= 0 else (first_long if first_long >= 0 else m)
        top = min(top, TITLE_WINDOW)
        cands = []
        for p in range(top):
            if 3 <= n_tok[p] < 30 and ends[p] not in ".:;,|" and base[p].get("cap=5", 0) + base[p].get("cap=4", 0) \
                    + base[p].get("cap=3", 0) + base[p].get("start=upper", 0) > 0:
                cands.append((len(texts[p].strip()), -p, p))
        for rank, (_, _, p) in enumerate(sorted(cands, reverse=True)[:2]):
            base[p][f"title_rank={rank}"] = 1.0
    if "heading" in groups:
        for p in range(m):
            if long[p] or not 1 <= n_tok[p] <= 12 or ends[p] in ".,;":
                continue
            prev_long = p > 0 and long[p - 1]
            next_long = p + 1 < m and long[p + 1]
            if prev_long and next_long:
                base[p]["hd_between_prose"] = 1.0
            elif next_long:
                base[p]["hd_before_prose"] = 1.0


_CONTENT = re.compile(r"[^\W\d_]{3,}")
# Two sentences of a snippet need not share words: the topic comparison needs this many long lines.
TOPIC_MIN_PROSE = 3


def _content_words(text: str) -> list[str]:
    sw = stopwords()
    return [w for w in (t.lower() for t in _CONTENT.findall(text[:SCAN_CHARS])) if w not in sw]


def _topic_features(texts: Sequence[str], n_tok: Sequence[int], base: list[dict[str, float]]) -> None:
    """Group "topic": the share of a line's content words found in the article's prose (every long
    line but itself), and whether the line is prose that shares little with the rest. Linear: one
    pass to count the prose words, one to look each line up (its own words subtracted)."""
    long = [n >= LONG_TOKENS for n in n_tok]
    if sum(long) < TOPIC_MIN_PROSE:   # too little prose to compare with: say so, not "shares nothing"
        for f in base:
            f["tp=none"] = 1.0
        return
    words = [_content_words(t) for t in texts]
    prose: dict[str, int] = {}
    for p, ws in enumerate(words):
        if long[p]:
            for w in set(ws):
                prose[w] = prose.get(w, 0) + 1
    for p, ws in enumerate(words):
        if not ws:
            base[p]["tp_words=0"] = 1.0
            continue
        own = set(ws) if long[p] else set()
        hits = sum(1 for w in ws if prose.get(w, 0) - (1 if w in own else 0) > 0)
        share = hits / len(ws)
        base[p][f"tp={_bucket(share, (0.0, 0.2, 0.4, 0.6, 0.8))}"] = 1.0
        base[p][f"tp_words={_bucket(len(ws), (1, 2, 4, 8))}"] = 1.0


_RUNS_ON_END = re.compile(r"(?:[^.!?。:;\"”’)\]]|[^\W\d_]-)$")
WRAP_SHARE = 0.3        # a page is fixed-width when this share of its lines fill the wrap width ...
WRAP_MIN_LINES = 4      # ... and at least this many do


def wrapped_paragraphs(lines: Sequence[str], positions: Sequence[int]) -> list[list[int]]:
    """Group "flow": the physical lines of each hard-wrapped paragraph (PDF-to-text, e-mail, fixed-width
    pages), as lists of indices into ``lines`` (consecutive in ``positions``, the lines' numbers in the
    article: a blank line ends a paragraph). A line joins the next when it fills the page's wrap width
    (the 90th percentile of line lengths, within 80-105 %) and does not end a sentence. Pages whose lines
    do not cluster at one width (web pages: one paragraph a line) are left as they are. Linear."""
    stripped = [t.strip() for t in lines]
    lengths = sorted(len(t) for t in stripped)
    out = [[p] for p in range(len(lines))]
    if not lengths:
        return out
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width < 40:
        return out
    full = [0.8 * width <= len(t) <= 1.05 * width for t in stripped]
    if sum(full) < max(WRAP_MIN_LINES, WRAP_SHARE * len(lines)):
        return out
    groups: list[list[int]] = []
    for p, t in enumerate(stripped):
        joins = (groups and positions[p] == positions[groups[-1][-1]] + 1 and full[groups[-1][-1]]
                 and bool(_RUNS_ON_END.search(stripped[groups[-1][-1]])))
        if joins:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


# Features copied from the neighbours (prefix p1/n1/p2/n2): the ones that say "what kind of line
# is around" without multiplying the model size.
_NEIGHBOUR_KEYS = ("tok=", "end=", "start=", "cue=", "run", "shape=date", "shape=url", "sep_", "glued", "stop=", "cap=", "rep_",
                   "md_", "title_rank", "tp=")


def line_features(lines: Sequence[str], batch_counts: dict[str, int] | None = None,
                  groups: Iterable[str] = ()) -> tuple[list[int], list[dict[str, float]]]:
    """(indices of the non-blank lines, one feature dict per non-blank line); ``groups`` names the
    optional feature groups (``FEATURE_GROUPS``) to compute, none by default (the shipped model's set)."""
    groups = frozenset(groups)
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    if "flow" in groups and idx:
        paras = wrapped_paragraphs([lines[i] for i in idx], idx)
        if len(paras) < len(idx):
            # a hard-wrapped page: describe each paragraph once, as the model saw paragraphs in training,
            # and give every physical line of it those features
            joined = [" ".join(lines[idx[p]].strip() for p in para) for para in paras]
            _, para_feats = line_features(joined, batch_counts, groups - {"flow"})
            feats = [dict(para_feats[g], fl_wrapped=1.0) if len(para) > 1 else para_feats[g]
                     for g, para in enumerate(paras) for _ in para]
            return idx, feats
    m = len(idx)
    texts = [lines[i] for i in idx]
    n_tok = [len(_TOKEN.findall(t[:SCAN_CHARS])) + (t.count(" ", SCAN_CHARS) if len(t) > SCAN_CHARS else 0) for t in texts]
    run = longest_run(n_tok, LONG_TOKENS, [t.rstrip()[-1:] in ".!?。\"”" for t in texts])
    norms = [normalise_line(t) for t in texts]
    counts: dict[str, int] = {}
    for k in norms:
        counts[k] = counts.get(k, 0) + 1
    base = []
    for p, t in enumerate(texts):
        br = batch_counts.get(norms[p], 0) if batch_counts is not None and norms[p] else 0
        base.append(_line_base(t, p, m, n_tok[p], run, counts[norms[p]] if norms[p] else 1, br))
        if "meta" in groups:
            _meta_features(t.strip()[:SCAN_CHARS], base[-1])
    _page_features(texts, n_tok, run, base, groups)
    if "topic" in groups:
        _topic_features(texts, n_tok, base)
    short = [{k: v for k, v in f.items() if k.startswith(_NEIGHBOUR_KEYS)} for f in base]
    feats = []
    for p, f in enumerate(base):
        g = dict(f)
        for off, tag in ((-1, "p1"), (1, "n1"), (-2, "p2"), (2, "n2")):
            q = p + off
            if 0 <= q < m:
                for k, v in short[q].items():
                    g[f"{tag}:{k}"] = v
            else:
                g[f"{tag}:none"] = 1.0
        feats.append(g)
    return idx, feats


def batch_line_counts(texts: Iterable[str]) -> dict[str, int]:
    """In how many articles of a batch each normalised line occurs (site chrome repeats)."""
    counts: dict[str, int] = {}
    for text in texts:
        for k in {normalise_line(ln) for ln in text.split("\n") if ln.strip()}:
            if k:
                counts[k] = counts.get(k, 0) + 1
    return counts


class LineModel:
    """A trained CRF over the non-blank lines of an article, loaded offline from ``path``."""

    def __init__(self, path: str | Path):
        import pycrfsuite

        path = Path(path)
        if not path.is_absolute():
            path = REPO / path
        self.path = path
        meta_path = path / "meta.json"
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if self.meta.get("feature_version") != FEATURE_VERSION:
            raise ValueError(f"{meta_path}: feature_version {self.meta.get('feature_version')} != {FEATURE_VERSION}; retrain with bench/train_line_model.py")
        self.rule_id = self.meta.get("rule_id", "line_model.crf.v1")
        self.title_threshold = float(self.meta.get("title_threshold", 0.5))
        self.groups = frozenset(self.meta.get("feature_groups", ()))
        unknown = self.groups - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"{meta_path}: unknown feature groups {sorted(unknown)}; known: {FEATURE_GROUPS}")
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(path / "model.crfsuite"))
        self.labels = set(self.tagger.labels())

    def predict(self, lines: Sequence[str], batch_counts: dict[str, int] | None = None,
                title_line: int | None = None) -> list[str]:
        """A kind for every line (blank lines are body); ``title_line`` (an index into ``lines``, from
        the input's own title, ``title_hint.py``) is the title whatever the model's marginals say."""
        kinds = ["body"] * len(lines)
        idx, feats = line_features(lines, batch_counts, self.groups)
        if not idx:
            return kinds
        self.tagger.set(feats)
        # the best path (Viterbi); per-line posterior decoding was tried and scored lower
        # leave-one-family-out (0.893 vs 0.898, docs/segmentation.md)
        labels = list(self.tagger.tag())
        m = len(idx)
        kinds_known = [k for k in KINDS if k in self.labels]
        # Title: the one line among the first lines with the highest title marginal, if any is
        # title-like enough; other lines the chain called "title" take their next-best kind.
        window = min(m, TITLE_WINDOW)
        p_title = [self.tagger.marginal("title", p) if "title" in self.labels else 0.0 for p in range(window)]
        best = max(range(window), key=lambda p: p_title[p]) if window else -1
        forced = idx.index(title_line) if title_line is not None and title_line in idx else None
        if forced is not None:
            best = forced
        for p in range(m):
            if labels[p] == "title" and p != best:
                labels[p] = max((k for k in kinds_known if k != "title"), key=lambda k: self.tagger.marginal(k, p))
        if forced is not None or (best >= 0 and p_title[best] >= self.title_threshold):
            labels[best] = "title"
        elif best >= 0 and labels[best] == "title":
            labels[best] = max((k for k in kinds_known if k != "title"), key=lambda k: self.tagger.marginal(k, best))
        for p, i in enumerate(idx):
            kinds[i] = labels[p]
        return kinds


@lru_cache(maxsize=4)
def load_line_model(path: str) -> LineModel:
    return LineModel(path)
