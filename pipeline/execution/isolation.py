"""Stage isolation: one stage's exception on one article never loses the article (issue 22).

The stages run one by one (not ``nlp(doc)``), each inside its own ``try``. When a stage
raises, what it may have half-written is cleared (its span groups, or for segmentation its
line kinds, which fall back to "every line is body" so the other stages still read the
text), the Doc gets the flag ``stage-failed:<stage>:<ExceptionClass>``, and a
:class:`StageError` says which stage, which exception and which line it was working on
(``allowed_lines`` leaves the line it last handed out in ``doc.user_data``). The record is
written with every other stage's output; the batch writes the errors to
``<out>.errors.jsonl`` and counts the article as degraded. ``strict=True`` re-raises, so
the article fails as a whole (``govnews run --strict``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import raw_text

STAGE_ERRORS = "_stage_errors"          # record key the batch pops: the stages that failed on this article
CURRENT_LINE = "govnews.current_line"   # doc.user_data key: (start, end) of the line being worked on

# What each stage writes, so a failed stage's partial output can be removed.
STAGE_SPAN_GROUPS: dict[str, tuple[str, ...]] = {
    "govnews_dates": ("date",),
    "govnews_quantities": ("quantity",),
    "govnews_names": ("agency", "programme"),
}


@dataclass(frozen=True)
class StageError:
    stage: str                 # short stage name: segment, dates, quantities, names
    exception: str             # exception class name
    message: str
    line: dict[str, Any] | None  # {"start", "end", "text"} of the line being worked on, when known

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stage_name(component: str) -> str:
    return component.removeprefix("govnews_")


def all_body_lines(text: str) -> list[dict[str, Any]]:
    """Line entries that call every line body: the fallback when segmentation failed."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append({"start": pos, "end": pos + len(line), "kind": "body", "rule": "fallback_stage_failed"})
        pos += len(line) + 1
    return lines


def _clear(doc: Doc, component: str) -> None:
    if component == "govnews_segment":
        doc._.lines = all_body_lines(raw_text(doc))
    for group in STAGE_SPAN_GROUPS.get(component, ()):
        doc.spans[group] = []


def _current_line(doc: Doc) -> dict[str, Any] | None:
    where = doc.user_data.get(CURRENT_LINE)
    if where is None:
        return None
    start, end = where
    return {"start": start, "end": end, "text": raw_text(doc)[start:end][:300]}


def run_stages(nlp: Language, doc: Doc, strict: bool = False) -> list[StageError]:
    """Run every pipeline component on ``doc`` in order; return the stages that failed."""
    errors: list[StageError] = []
    for name, proc in nlp.pipeline:
        doc.user_data.pop(CURRENT_LINE, None)
        try:
            doc = proc(doc)
        except Exception as exc:  # noqa: BLE001 - isolated per stage by design
            if strict:
                raise
            errors.append(StageError(stage_name(name), type(exc).__name__, str(exc)[:500], _current_line(doc)))
            _clear(doc, name)
            doc._.flags = [*(doc._.flags or []), f"stage-failed:{stage_name(name)}:{type(exc).__name__}"]
    doc.user_data.pop(CURRENT_LINE, None)
    return errors
