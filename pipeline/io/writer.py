"""The one writer: a processed Doc → one JSONL record in the annotation shape.

Gold (``annotations/``) and predictions share ``doc_id``, ``published``, ``lines`` and
``mentions``; predictions add provenance (``pipeline_version``, ``published_basis``,
``flags`` and, per mention, ``rule`` plus the normalised SI fields). ``text ==
raw[start:end]`` is asserted for every mention.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from spacy.tokens import Doc, Span

from pipeline import __version__
from pipeline.extensions import SPAN_GROUPS, char_bounds, raw_text


class RecordError(AssertionError):
    pass


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    if float(value).is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if abs(value) < 1e-3:
        return float(f"{float(value):.6g}")     # 2.998e-08: six significant digits, not six decimals (0.0)
    return round(float(value), 6)


def mention_record(doc: Doc, span: Span, mtype: str, raw: str | None = None) -> dict[str, Any]:
    start, end = char_bounds(span)
    text = (raw_text(doc) if raw is None else raw)[start:end]
    rec: dict[str, Any] = {"type": mtype, "start": start, "end": end, "text": text}
    if mtype == "QUANTITY":
        rec.update(value=_number(span._.value), unit=span._.unit, per=span._.per, bound=span._.bound or "=",
                   change=span._.change, item=span._.item,
                   si_value=span._.si_value, si_unit=span._.si_unit)
    elif mtype == "DATE":
        # anchor: the date the value was resolved against (issue 19), None when the expression needed none
        rec.update(timex_type=span._.timex_type, value=span._.timex_value, anchor=span._.anchor)
        if span._.underspecified:
            rec["underspecified"] = True
    elif mtype == "AGENCY":
        rec.update(canonical=span._.canonical)
    elif mtype == "PROGRAMME":
        rec.update(canonical=span._.canonical, kind=span._.prog_kind)
    rec["rule"] = span._.rule or "unknown"
    if span._.confidence is not None:
        rec["confidence"] = span._.confidence
    return rec


def to_record(doc: Doc) -> dict[str, Any]:
    """Serialise a processed Doc; raises RecordError if an offset does not index the raw text."""
    mentions = []
    raw = raw_text(doc)  # Doc.text re-joins every token: once per record, not per mention (issue 10: a 20 MB article)
    for mtype, group in SPAN_GROUPS.items():
        for span in doc.spans.get(group, []):
            rec = mention_record(doc, span, mtype, raw)
            if raw[rec["start"]:rec["end"]] != rec["text"] or not rec["text"]:
                raise RecordError(f"{doc._.doc_id}: mention offsets {rec['start']}:{rec['end']} do not match its text")
            mentions.append(rec)
    mentions.sort(key=lambda m: (m["start"], m["end"], m["type"]))
    lines = [{"start": ln["start"], "end": ln["end"], "kind": ln["kind"], "rule": ln["rule"]}
             for ln in (doc._.lines or []) if ln["kind"] != "body"]
    return {
        "doc_id": doc._.doc_id,
        "published": doc._.published,
        "published_basis": doc._.published_basis,
        "pipeline_version": __version__,
        "flags": list(doc._.flags or []),
        **article_fields(doc),
        "jurisdiction": doc._.jurisdiction,
        **({"template_lines": doc._.template_lines} if doc._.template_lines else {}),
        "lines": lines,
        "mentions": mentions,
        **aliases_field(doc),
        "content_sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        **input_fields(doc),
    }


# Input metadata carried through to the record (for the database's articles table): the input's own
# title as input_title (`title` is the title read from the text, guide v1.2), url, retrieved,
# input_encoding (only when not UTF-8) and html_metadata (pages) (issue 18).
INPUT_FIELDS = (("title", "input_title"), ("url", "url"), ("retrieved", "retrieved"),
                ("input_encoding", "input_encoding"), ("html_metadata", "html_metadata"))


def input_fields(doc: Doc) -> dict[str, Any]:
    meta = doc._.meta or {}
    return {field: meta[key] for key, field in INPUT_FIELDS if meta.get(key)}


def aliases_field(doc: Doc) -> dict[str, Any]:
    """The article's alias table (issue 25): acronym/short-name definitions found in the text, each
    ``{short, long, type, canonical, start, end}`` (start/end: the whole definition in the raw text).
    The field is written only when the article defines one, so records without definitions keep their shape."""
    aliases = doc._.aliases or []
    return {"aliases": [dict(a) for a in aliases]} if aliases else {}


def article_fields(doc: Doc) -> dict[str, Any]:
    """title, byline, source, dateline_place (guide v1.2): {text, start, end, rule} or None each."""
    from pipeline.stages.segment.article_fields import FIELDS

    found = doc._.article_fields or {}
    return {name: found.get(name) for name in FIELDS}


def dumps(record: dict[str, Any]) -> str:
    """Canonical JSON line (sorted keys off, UTF-8, no spaces drift) so reruns are byte-identical."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
