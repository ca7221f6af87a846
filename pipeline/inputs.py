"""Readers for the three input forms of ``govnews run``, with clear errors.

1. a directory of ``.txt`` files with ``manifest.jsonl`` (one metadata object per article;
   ``doc_id``, optional ``file``, ``published``, ``published_basis``, ``retrieved``, ``url``);
2. a single ``.txt`` file (metadata from the command line);
3. JSONL with one ``{"doc_id", "text", "published", ...}`` object per line.

Every problem raises ``InputError`` naming the file (and line) and the problem: empty,
binary, not UTF-8, too large, malformed JSON, missing doc_id, duplicate doc_id, unsafe
doc_id, malformed or impossible ``published``. Offsets index the text *as decoded*:
UTF-8 (a BOM is stripped and reported), newlines kept as they are ("\r\n" stays).
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


def decode_bytes(data: bytes, where: str) -> str:
    if not data.strip():
        raise InputError(f"{where}: empty file (no text)")
    if len(data) > MAX_BYTES:
        raise InputError(f"{where}: {len(data)} bytes is larger than the {MAX_BYTES} byte limit per article")
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise InputError(f"{where}: UTF-16 text (byte-order mark); convert to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8")
    if b"\x00" in data[:4096]:
        raise InputError(f"{where}: binary data (NUL bytes), not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it decodes as GB18030/GBK: convert with iconv -f GB18030 -t UTF-8)"
        except UnicodeDecodeError:
            pass
        raise InputError(f"{where}: not valid UTF-8 at byte {exc.start}{hint}") from exc
    if not text.strip():
        raise InputError(f"{where}: only whitespace, no text")
    return text


def check_meta(meta: dict[str, Any], where: str) -> dict[str, Any]:
    doc_id = meta.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise InputError(f"{where}: missing doc_id")
    if not DOC_ID_RE.match(doc_id):
        raise InputError(f"{where}: doc_id {doc_id!r} has characters outside [A-Za-z0-9._:-] (no paths, quotes or spaces)")
    for key in ("published", "retrieved"):
        value = meta.get(key)
        if value in (None, ""):
            meta[key] = None
            continue
        if parse_iso_partial(value) is None:
            raise InputError(f"{where}: {key} {value!r} is not a valid ISO date or month (YYYY, YYYY-MM or YYYY-MM-DD)")
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
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
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
        file = path / (meta.get("file") or f"{meta['doc_id']}.txt")
        if not file.resolve().is_relative_to(path.resolve()):
            raise InputError(f"{manifest}: file {meta.get('file')!r} of {meta['doc_id']} lies outside {path}")
        if not file.exists():
            raise InputError(f"{manifest}: {meta['doc_id']}: text file {file.name} not found")
        yield Article(meta["doc_id"], decode_bytes(file.read_bytes(), str(file)), meta, str(file))


def read_jsonl(path: Path) -> Iterator[Article]:
    seen: set[str] = set()
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
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
    meta = {"doc_id": doc_id or re.sub(r"[^A-Za-z0-9._:-]", "_", path.stem), "published": published,
            "retrieved": retrieved, "url": url, "published_basis": "metadata" if published else None}
    check_meta(meta, str(path))
    yield Article(meta["doc_id"], decode_bytes(path.read_bytes(), str(path)), meta, str(path))


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
