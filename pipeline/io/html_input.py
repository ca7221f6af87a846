"""HTML pages as articles (issue 18): ``.html``/``.htm`` files and a JSONL ``html`` field.

Two ways to turn a page into the article text the pipeline reads:

* ``main`` (default): trafilatura's main-text extraction (navigation, footers, share buttons and
  comments are dropped by trafilatura; one paragraph per line). When the extracted text does not
  start with the page title, the title is put first, on its own line, so the title line and the
  ``title`` field can be found.
* ``all``: every piece of visible text of the page, one block element (paragraph, heading, list
  item, table cell row, ``div`` ...) per line, ``script``/``style``/``template`` dropped; nothing
  else is removed, so our own line model (``segment``) decides what is title, metadata and
  boilerplate. ``bench/html_ingest.py`` compares the two on composed pages.

Metadata (title, date, author, site name) comes from trafilatura's metadata reader in both modes
(``<title>``, Open Graph and ``article:published_time`` meta tags, JSON-LD, ``<time>``). Each item
is kept in the record's ``html_metadata`` with its offsets into the extracted text when it occurs
there (``start``/``end`` = ``null`` otherwise). The page's date becomes ``published`` with basis
``metadata`` when the input carries no date itself. The date reader is given a fixed latest
plausible date (the input's ``retrieved`` when known, else 2100-01-01) so that nothing depends on the
clock.
"""
from __future__ import annotations

import logging
import re
from typing import Any

MODES = ("main", "all")
_LATEST = "2100-01-01"
_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "h1", "h2", "h3", "h4", "h5",
          "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "thead", "tbody", "tfoot", "caption", "figure",
          "figcaption", "blockquote", "pre", "address", "form", "fieldset", "legend", "hr", "br", "body", "title",
          "details", "summary", "menu", "option", "label"}
_CELL = {"td", "th"}                     # cells of a table row: one space apart, the row is one line
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class HTMLError(ValueError):
    """A page with no text to extract."""


def _quiet() -> None:
    # trafilatura/htmldate log "discarding data" style notices per page at INFO/WARNING: one run line per event is ours
    for name in ("trafilatura", "htmldate", "justext", "courlan"):
        logging.getLogger(name).setLevel(logging.ERROR)


def extractor_version() -> str:
    import trafilatura

    return f"trafilatura {trafilatura.__version__}"


def page_metadata(html: str, latest: str | None = None) -> dict[str, str | None]:
    """title, date (YYYY-MM-DD), author, sitename read from the page's markup."""
    from trafilatura import extract_metadata

    _quiet()
    meta = extract_metadata(html, date_config={"extensive_search": False, "original_date": True,
                                               "max_date": latest or _LATEST})
    out = {}
    for key in ("title", "date", "author", "sitename"):
        value = getattr(meta, key, None) if meta is not None else None
        out[key] = value.strip() if isinstance(value, str) and value.strip() else None
    return out


def main_text(html: str) -> str:
    import trafilatura

    _quiet()
    text = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True,
                               include_images=False, favor_precision=False, deduplicate=False) or ""
    return text


def all_text(html: str) -> str:
    """Every visible text of the page, one block element per line (see the module doc)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # noqa: BLE001 - lxml raises several types on junk
        raise HTMLError(f"not parseable as HTML ({type(exc).__name__})") from exc
    body = root.find("body")
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _SKIP:
            parts.append(el.tail or "")
            return
        block = tag.lower() in _BLOCK
        if block:
            parts.append("\n")
        elif tag.lower() in _CELL:
            parts.append(" ")
        if tag:
            parts.append(el.text or "")
            for child in el:
                walk(child)
        if block:
            parts.append("\n")
        parts.append(el.tail or "")

    walk(body if body is not None else root)
    lines = (_SPACES.sub(" ", ln).strip() for ln in "".join(parts).split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _locate(text: str, value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    i = text.find(value)
    return {"text": value, "start": i if i >= 0 else None, "end": i + len(value) if i >= 0 else None}


def html_to_article(html: str, mode: str = "main", latest: str | None = None) -> tuple[str, dict[str, Any]]:
    """(article text, html_metadata) of a page. Raises HTMLError when no text is left."""
    if mode not in MODES:
        raise ValueError(f"unknown HTML mode {mode!r} (main or all)")
    meta = page_metadata(html, latest)
    text = main_text(html) if mode == "main" else all_text(html)
    text = "\n".join(_SPACES.sub(" ", ln).strip() for ln in text.split("\n")).strip("\n")
    title = meta.get("title")
    if mode == "main" and title and not text.startswith(title):
        text = f"{title}\n{text}" if text else title
    if not text.strip():
        raise HTMLError("the page has no text (nothing left after extraction)")
    info: dict[str, Any] = {"extractor": extractor_version() if mode == "main" else "govnews all-text",
                            "mode": mode, "date": meta.get("date")}
    for key in ("title", "author", "sitename"):
        info[key] = _locate(text, meta.get(key))
    return text, info
