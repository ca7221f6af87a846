"""Readers for the three input forms of ``govnews run``, with clear errors.

1. a directory of ``.txt`` files with ``manifest.jsonl`` (one metadata object per article;
   ``doc_id``, optional ``file``, ``published``, ``published_basis``, ``retrieved``, ``url``);
2. a single ``.txt`` file (metadata from the command line);
3. JSONL with one ``{"doc_id", "text", "published", ...}`` object per line.

Every problem raises ``InputError`` naming the file (and line) and the problem: empty,
binary, not UTF-8 (UTF-16/32, GB18030 and truncated files are named as such), too large,
malformed JSON, missing doc_id, duplicate doc_id, unsafe doc_id, malformed or impossible
``published``, unreadable file (permissions, a directory where a file should be).

Offset rule (docs/robustness.md): offsets index the text *as decoded*, character by
character (Python ``str`` code points, not bytes): UTF-8, a leading UTF-8 BOM is dropped
(offset 0 is the character after it), nothing else is changed -- "\r\n" stays two
characters, NBSP, zero-width spaces, soft hyphens, full-width forms and HTML stay as they
are. Lines are split on "\n" only, so a CRLF line keeps its "\r"; a mention never contains
either.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .segment import parse_iso_partial

MAX_BYTES = 20 * 1024 * 1024 + 1024 * 1024  # a 20 MB article is accepted; beyond ~21 MB is refused
DOC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")


class InputError(ValueError):
    """A bad input: the message names the file/line and the problem."""


@dataclass
class Article:
    doc_id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
         (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))


def decode_bytes(data: bytes, where: str) -> str:
    if not data:
        raise InputError(f"{where}: empty file (0 bytes, no text)")
    if not data.strip():
        raise InputError(f"{where}: empty file (only whitespace, no text)")
    if len(data) > MAX_BYTES:
        raise InputError(f"{where}: {len(data)} bytes is larger than the {MAX_BYTES} byte limit per article")
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise InputError(f"{where}: {name} text (byte-order mark); convert to UTF-8 first, e.g. iconv -f {name} -t UTF-8")
    head = data[:4096]
    if b"\x00" in head:
        if len(head) >= 8 and (head[1::2].count(0) > 0.4 * len(head[1::2]) or head[0::2].count(0) > 0.4 * len(head[0::2])):
            raise InputError(f"{where}: NUL bytes every other byte: UTF-16 text without a byte-order mark? "
                             "Convert to UTF-8 first (iconv -f UTF-16LE -t UTF-8)")
        raise InputError(f"{where}: binary data (NUL bytes), not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        if exc.end >= len(data) and exc.reason == "unexpected end of data":
            hint = " (the file ends inside a multi-byte character: truncated?)"
        else:
            try:
                data.decode("gb18030")
                hint = " (it decodes as GB18030/GBK: convert with iconv -f GB18030 -t UTF-8)"
            except UnicodeDecodeError:
                pass
        raise InputError(f"{where}: not valid UTF-8 at byte {exc.start}{hint}") from exc
    if not text.strip():
        raise InputError(f"{where}: only whitespace, no text")
    _check_line_breaks(text, where)
    return text


def _check_line_breaks(text: str, where: str) -> None:
    """Lines split on "\n" only (offsets index the text as decoded, so "\r" is never rewritten):
    old Mac text with only "\r" line breaks would be one line, so it is refused."""
    if "\n" not in text and text.count("\r") >= 2:
        raise InputError(f"{where}: line breaks are \\r only (old Mac text), so lines would not split; "
                         "convert them to \\n first, e.g. tr '\\r' '\\n'")


def _read_bytes(path: Path, where: str | None = None) -> bytes:
    """The file's bytes, or an InputError naming it (missing, a directory, no permission)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where or path}: cannot read {path}: {exc.strerror or exc}") from exc


def _check_text(text: str, where: str) -> None:
    """Text from JSON can hold what no file can: an unpaired surrogate ("\\ud800") is not Unicode text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{where}: text has an unpaired surrogate {text[exc.start]!r} at character {exc.start} "
                         "(not valid Unicode)") from exc


def check_meta(meta: dict[str, Any], where: str) -> dict[str, Any]:
    doc_id = meta.get("doc_id")
    if doc_id is None or doc_id == "":
        raise InputError(f"{where}: missing doc_id")
    if not isinstance(doc_id, str):
        raise InputError(f"{where}: doc_id must be a string, not {type(doc_id).__name__} {doc_id!r}")
    if not DOC_ID_RE.match(doc_id):
        raise InputError(f"{where}: doc_id {doc_id!r} has characters outside [A-Za-z0-9._:-] (no paths, quotes or spaces)")
    for key in ("published", "retrieved"):
        value = meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            meta[key] = None                  # blank is "not given"
            continue
        parsed = parse_iso_partial(value) if isinstance(value, str) else None
        if parsed is None or parsed[0] < 1:   # year 0000 is no calendar year (datetime cannot hold it)
            raise InputError(f"{where}: {key} {value!r} is not a valid ISO date or month (YYYY, YYYY-MM or YYYY-MM-DD)")
        meta[key] = value.strip()     # " 2024-05-01" would not match the record schema
    pub, ret = parse_iso_partial(meta.get("published")), parse_iso_partial(meta.get("retrieved"))
    if pub and ret and _before(ret, pub):
        raise InputError(f"{where}: published {meta['published']} is after retrieved {meta['retrieved']}")
    return meta


def _before(a: tuple, b: tuple) -> bool:
    """a strictly before b at the granularity both have."""
    for x, y in zip(a, b):
        if x is None or y is None:
            return False
        if x != y:
            return x < y
    return False


def read_manifest(path: Path) -> list[dict[str, Any]]:
    rows, seen = [], set()
    data = _read_bytes(path)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 at byte {exc.start} (a manifest is UTF-8 JSONL)") from exc
    for lineno, line in enumerate(content.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            meta = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: malformed JSON ({exc.msg})") from exc
        if not isinstance(meta, dict):
            raise InputError(f"{where}: a manifest line must be a JSON object")
        check_meta(meta, where)
        if meta["doc_id"] in seen:
            raise InputError(f"{where}: duplicate doc_id {meta['doc_id']!r}")
        seen.add(meta["doc_id"])
        rows.append(meta)
    return rows


def read_directory(path: Path) -> Iterator[Article]:
    manifest = path / "manifest.jsonl"
    if not manifest.exists():
        raise InputError(f"{path}: no manifest.jsonl (a directory input needs one metadata line per article)")
    for meta in read_manifest(manifest):
        if meta.get("file") is not None and not isinstance(meta["file"], str):
            raise InputError(f"{manifest}: {meta['doc_id']}: file must be a string, not {meta['file']!r}")
        file = path / (meta.get("file") or f"{meta['doc_id']}.txt")
        if not file.resolve().is_relative_to(path.resolve()):
            raise InputError(f"{manifest}: file {meta.get('file')!r} of {meta['doc_id']} lies outside {path}")
        if not file.exists():
            raise InputError(f"{manifest}: {meta['doc_id']}: text file {file.name} not found")
        yield Article(meta["doc_id"], decode_bytes(_read_bytes(file), str(file)), meta, str(file))


def read_jsonl(path: Path) -> Iterator[Article]:
    seen: set[str] = set()
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]                                   # a UTF-8 BOM before the first object
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise InputError(f"{where}: not valid UTF-8") from exc
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: malformed JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise InputError(f"{where}: each line must be a JSON object with doc_id and text")
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"{where}: missing or empty text")
            _check_text(text, where)
            _check_line_breaks(text, where)
            if len(text.encode("utf-8")) > MAX_BYTES:
                raise InputError(f"{where}: text larger than the {MAX_BYTES} byte limit")
            meta = {k: v for k, v in obj.items() if k != "text"}
            check_meta(meta, where)
            if meta["doc_id"] in seen:
                raise InputError(f"{where}: duplicate doc_id {meta['doc_id']!r}")
            seen.add(meta["doc_id"])
            yield Article(meta["doc_id"], text, meta, where)


def read_text_file(path: Path, published: str | None, doc_id: str | None = None,
                   retrieved: str | None = None, url: str | None = None) -> Iterator[Article]:
    meta = {"doc_id": doc_id or _doc_id_from_name(path), "published": published,
            "retrieved": retrieved, "url": url, "published_basis": "metadata" if published else None}
    check_meta(meta, str(path))
    yield Article(meta["doc_id"], decode_bytes(_read_bytes(path), str(path)), meta, str(path))


def _doc_id_from_name(path: Path) -> str:
    """A safe doc_id from a file name: unsafe characters become "_"; a name with nothing usable
    ("_.txt", "报告.txt") or too long gets a stable hash of the name instead."""
    doc_id = re.sub(r"[^A-Za-z0-9._:-]", "_", path.stem)
    if DOC_ID_RE.match(doc_id):
        return doc_id
    return "doc-" + hashlib.sha256(path.name.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def read_inputs(paths: list[Path], published: str | None = None, retrieved: str | None = None) -> Iterator[Article]:
    """All articles of all inputs, in order; doc_ids must be unique across inputs."""
    seen: set[str] = set()
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            it = read_directory(path)
        elif path.suffix in (".jsonl", ".ndjson"):
            it = read_jsonl(path)
        elif path.suffix == ".txt":
            it = read_text_file(path, published, retrieved=retrieved)
        else:
            raise InputError(f"{path}: unknown input type (expected a directory with manifest.jsonl, .txt or .jsonl)")
        for art in it:
            if art.doc_id in seen:
                raise InputError(f"{art.source}: duplicate doc_id {art.doc_id!r} across inputs")
            seen.add(art.doc_id)
            yield art
