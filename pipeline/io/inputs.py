"""Readers for the input forms of ``govnews run``, with clear errors and a quarantine.

1. a directory of ``.txt`` files with ``manifest.jsonl`` (one metadata object per article;
   ``doc_id``, optional ``file``, ``published``, ``published_basis``, ``retrieved``, ``url``);
2. a directory of ``.txt`` (and ``.html``/``.htm``) files without a manifest: one article per
   file, ``doc_id`` from the file name (issue 18);
3. a single ``.txt`` file, or a single ``.html``/``.htm`` page (``pipeline/io/html_input.py``);
4. JSONL with one ``{"doc_id", "text" | "html", "published", ...}`` object per line.

Every problem is an ``InputError`` naming the file (and line) and the problem: empty,
binary, not UTF-8 (UTF-16/32, GB18030 and truncated files are named as such), too large,
malformed JSON, missing doc_id, duplicate doc_id, unsafe doc_id, malformed or impossible
``published``, unreadable file (permissions, a directory where a file should be).

What happens to a bad *input unit* (one JSONL line, one file, one manifest line) depends on
:class:`ReadOptions`: without a ``quarantine`` (the default, and ``govnews run --strict``) the
reader raises, as it always did; with one (``govnews run``), the unit is recorded there (path,
line, doc_id when known, reason) and reading goes on with the next unit. ``detect_encoding``
decodes legacy encodings (UTF-16/32 with a byte-order mark, UTF-16 without one, GB18030/GBK,
Windows-1252) instead of refusing them, and the article carries ``input_encoding``.
``published``/``retrieved`` are defaults for every article whose input carries none (basis
``command-line``).

Offset rule (docs/robustness.md): offsets index the text *as decoded*, character by
character (Python ``str`` code points, not bytes): UTF-8, a leading UTF-8 BOM is dropped
(offset 0 is the character after it), nothing else is changed -- "\r\n" stays two
characters, NBSP, zero-width spaces, soft hyphens, full-width forms and HTML stay as they
are. Lines are split on "\n" only, so a CRLF line keeps its "\r"; a mention never contains
either. A legacy-encoded file is decoded once, and the offsets index that decoded text.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from pipeline.io.keystore import TempKeyMap
from pipeline.stages.segment.lines import parse_iso_partial

MAX_BYTES = 20 * 1024 * 1024 + 1024 * 1024  # a 20 MB article is accepted; beyond ~21 MB is refused
DOC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")


log = logging.getLogger("govnews")


class InputError(ValueError):
    """A bad input: the message names the file/line and the problem."""


@dataclass
class Article:
    doc_id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @cached_property
    def content_hash(self) -> str:          # computed once (read_inputs checks repeats with it, the batch log keeps it)
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------- quarantine

class Quarantine:
    """Bad input units set aside so the good ones are processed (``govnews run`` without ``--strict``).

    Each entry: ``path``, ``line`` (JSONL or manifest line number, else null), ``doc_id`` (when it
    was readable), ``reason`` and ``error`` (the full message, as the readers word it)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, error: Exception | str, path: Path | str, line: int | None = None, doc_id: str | None = None) -> None:
        msg = str(error)
        where = f"{path}:{line}" if line else str(path)
        reason = msg[len(where) + 2:] if msg.startswith(where + ": ") else msg
        if reason == msg and msg.startswith(f"{path}: "):
            reason = msg[len(str(path)) + 2:]
        self.entries.append({"quarantined": True, "path": str(path), "line": line,
                             "doc_id": doc_id if isinstance(doc_id, str) and doc_id else None,
                             "reason": reason, "error": msg})
        log.warning("quarantined %s: %s", where, reason)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class ReadOptions:
    """How the readers treat bad units, encodings, HTML and missing dates (see the module doc)."""

    quarantine: Quarantine | None = None      # None: raise InputError on the first bad unit (strict)
    detect_encoding: bool = False             # decode legacy encodings instead of refusing them
    published: str | None = None              # default publication date (basis command-line)
    retrieved: str | None = None              # default retrieval date
    html_mode: str = "main"                   # main | all (pipeline/io/html_input.py)


def _guard(opts: ReadOptions, path: Path | str, line: int | None, doc_id: Any, fn: Callable[[], Any]) -> Any:
    """``fn()``, or None after quarantining its InputError (raised again when there is no quarantine).
    ``doc_id`` may be a dict that ``fn`` fills with ``"doc_id"`` once it has parsed one (a JSONL or
    manifest line), so the quarantine entry names it when it is known."""
    try:
        return fn()
    except InputError as exc:
        if opts.quarantine is None:
            raise
        if isinstance(doc_id, dict):
            doc_id = doc_id.get("doc_id")
        opts.quarantine.add(exc, path, line, doc_id if isinstance(doc_id, str) else None)
        return None


# ------------------------------------------------------------------------------- decoding

_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
         (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))
_BOM_CODECS = {"UTF-32": "utf-32", "UTF-16": "utf-16"}
_LEGACY = ["gb18030", "cp1252"]          # the legacy encodings tried when the bytes are not UTF-8
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def decode_bytes(data: bytes, where: str) -> str:
    """UTF-8 text of a file, or an InputError (legacy encodings are refused: see :func:`decode_any`)."""
    return decode_any(data, where, detect=False)[0]


def decode_any(data: bytes, where: str, detect: bool = True) -> tuple[str, str]:
    """(text, encoding) of a file's bytes. UTF-8 first; with ``detect``, UTF-16/32 (with a BOM, or
    UTF-16 without one, told by its NUL bytes), then GB18030/GBK or Windows-1252 chosen with
    charset-normalizer. Empty, binary, truncated UTF-8 and undecodable bytes raise InputError."""
    if not data:
        raise InputError(f"{where}: empty file (0 bytes, no text)")
    if not data.strip():
        raise InputError(f"{where}: empty file (only whitespace, no text)")
    if len(data) > MAX_BYTES:
        raise InputError(f"{where}: {len(data)} bytes is larger than the {MAX_BYTES} byte limit per article")
    for bom, name in _BOMS:
        if data.startswith(bom):
            if not detect:
                raise InputError(f"{where}: {name} text (byte-order mark); convert to UTF-8 first, e.g. iconv -f {name} -t UTF-8")
            return _finish(_strict_decode(data, _BOM_CODECS[name], where, name), where), name.lower()
    head = data[:4096]
    if b"\x00" in head:
        if len(head) >= 8 and (head[1::2].count(0) > 0.4 * len(head[1::2]) or head[0::2].count(0) > 0.4 * len(head[0::2])):
            if detect:
                codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
                return _finish(_strict_decode(data, codec, where, codec.upper()), where), codec
            raise InputError(f"{where}: NUL bytes every other byte: UTF-16 text without a byte-order mark? "
                             "Convert to UTF-8 first (iconv -f UTF-16LE -t UTF-8)")
        raise InputError(f"{where}: binary data (NUL bytes), not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end >= len(data) and exc.reason == "unexpected end of data":
            raise InputError(f"{where}: not valid UTF-8 at byte {exc.start} (the file ends inside a multi-byte "
                             "character: truncated?)") from exc
        if detect:
            legacy = _legacy(data)
            if legacy is not None:
                return _finish(legacy[0], where), legacy[1]
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it decodes as GB18030/GBK: convert with iconv -f GB18030 -t UTF-8)"
        except UnicodeDecodeError:
            pass
        raise InputError(f"{where}: not valid UTF-8 at byte {exc.start}{hint}") from exc
    return _finish(text, where), "utf-8"


def _strict_decode(data: bytes, codec: str, where: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: looks like {name} text but is not valid {name} at byte {exc.start}") from exc


def _finish(text: str, where: str) -> str:
    if not text.strip():
        raise InputError(f"{where}: only whitespace, no text")
    _check_line_breaks(text, where)
    return text


def _legacy(data: bytes) -> tuple[str, str] | None:
    """GB18030 (a superset of GBK) or Windows-1252, whichever charset-normalizer finds least
    chaotic; between near ties a GB18030 reading must look like Chinese (runs of CJK characters,
    not one odd ideograph made of a Western accented letter and the ASCII byte after it)."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data, cp_isolation=_LEGACY) if m.encoding in _LEGACY]
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    if best > 0.3:
        return None
    near = {m.encoding: str(m) for m in matches if m.chaos <= best + 0.05}
    if "gb18030" in near and "cp1252" in near:
        runs = _CJK.findall(near["gb18030"])
        if not runs or sum(map(len, runs)) / len(runs) < 1.5:
            del near["gb18030"]
    for enc in _LEGACY:
        if enc in near:
            return near[enc], enc
    return None


def _check_line_breaks(text: str, where: str) -> None:
    """Lines split on "\n" only (offsets index the text as decoded, so "\r" is never rewritten):
    old Mac text with only "\r" line breaks would be one line, so it is refused."""
    if "\n" not in text and text.count("\r") >= 2:
        raise InputError(f"{where}: line breaks are \\r only (old Mac text), so lines would not split; "
                         "convert them to \\n first, e.g. tr '\\r' '\\n'")


def _read_bytes(path: Path, where: str | None = None) -> bytes:
    """The file's bytes, or an InputError naming it (missing, a directory, no permission, too large:
    the size is checked before reading, so a huge file is never loaded)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES and path.is_file():
            raise InputError(f"{where or path}: {size} bytes is larger than the {MAX_BYTES} byte limit per article")
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


def check_date_options(published: str | None, retrieved: str | None, inputs: str = "") -> tuple[str | None, str | None]:
    """``--published``/``--retrieved`` checked like metadata: (published, retrieved) stripped, or an
    InputError that names the inputs they were given for."""
    meta = {"published": published, "retrieved": retrieved}
    where = inputs or "command line"
    for key in ("published", "retrieved"):
        value = meta[key]
        if value is None:
            continue
        parsed = parse_iso_partial(value.strip()) if value.strip() else None
        if parsed is None or parsed[0] < 1:
            raise InputError(f"{where}: {key} {value!r} is not a valid ISO date or month (YYYY, YYYY-MM or YYYY-MM-DD), "
                             f"given as --{key}")
        meta[key] = value.strip()
    pub, ret = parse_iso_partial(meta["published"]), parse_iso_partial(meta["retrieved"])
    if pub and ret and _before(ret, pub):
        raise InputError(f"{where}: published {meta['published']} is after retrieved {meta['retrieved']} (--published, --retrieved)")
    return meta["published"], meta["retrieved"]


def _before(a: tuple, b: tuple) -> bool:
    """a strictly before b at the granularity both have."""
    for x, y in zip(a, b):
        if x is None or y is None:
            return False
        if x != y:
            return x < y
    return False


# ------------------------------------------------------------------------------- readers

def read_manifest(path: Path, opts: ReadOptions | None = None) -> list[dict[str, Any]]:
    """All rows of a manifest (for callers that need them at once; runs stream with ``iter_manifest``)."""
    return list(iter_manifest(path, opts))


def iter_manifest(path: Path, opts: ReadOptions | None = None) -> Iterator[dict[str, Any]]:
    """The manifest's rows, one line at a time: a manifest of millions of articles is never held in
    memory (issue 18), and the doc_ids it has shown are kept on disk (``TempKeyMap``)."""
    opts = opts or ReadOptions()
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read {path}: {exc.strerror or exc}") from exc
    seen = TempKeyMap()
    offset = 0
    try:
        for lineno, raw in enumerate(fh, 1):
            start, offset = offset, offset + len(raw)
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw, start = raw[3:], 3
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: not valid UTF-8 at byte {start + exc.start} (a manifest is UTF-8 JSONL)") from exc
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            holder: dict[str, Any] = {}

            def one(line: str = line, where: str = where) -> dict[str, Any]:
                try:
                    meta = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where}: malformed JSON ({exc.msg})") from exc
                if not isinstance(meta, dict):
                    raise InputError(f"{where}: a manifest line must be a JSON object")
                holder["doc_id"] = meta.get("doc_id")
                check_meta(meta, where)
                if seen.get(meta["doc_id"]) is not None and opts.quarantine is None:
                    raise InputError(f"{where}: duplicate doc_id {meta['doc_id']!r}")
                return meta

            meta = _guard(opts, path, lineno, holder, one)
            if meta is None:
                continue
            seen.set(meta["doc_id"], 1)
            meta["_line"] = lineno
            yield meta
    finally:
        seen.close()
        fh.close()


def _file_article(file: Path, meta: dict[str, Any], opts: ReadOptions, where: str | None = None) -> Article:
    """The article of one text or HTML file (meta already checked)."""
    text, encoding = decode_any(_read_bytes(file), where or str(file), detect=opts.detect_encoding)
    meta = dict(meta)
    if encoding != "utf-8":
        meta["input_encoding"] = encoding
    if file.suffix.lower() in HTML_SUFFIXES:
        text = _from_html(text, meta, where or str(file), opts)
    return Article(meta["doc_id"], text, meta, str(file))


HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt", *HTML_SUFFIXES)


def _from_html(html: str, meta: dict[str, Any], where: str, opts: ReadOptions) -> str:
    """Article text of a page; fills ``published`` (basis metadata), ``title`` and ``html_metadata``."""
    from pipeline.io.html_input import HTMLError, html_to_article

    try:
        text, info = html_to_article(html, opts.html_mode, latest=meta.get("retrieved") or opts.retrieved)
    except HTMLError as exc:
        raise InputError(f"{where}: {exc}") from exc
    meta["html_metadata"] = info
    if info.get("title") and not meta.get("title"):
        meta["title"] = info["title"]["text"]
    if not meta.get("published") and info.get("date"):
        parsed = parse_iso_partial(info["date"])
        retrieved = parse_iso_partial(meta["retrieved"]) if meta.get("retrieved") else None
        if parsed and parsed[0] >= 1 and not (retrieved and _before(retrieved, parsed)):
            meta["published"], meta["published_basis"] = info["date"], "metadata"
    _check_line_breaks(text, where)
    return text


def read_directory(path: Path, opts: ReadOptions | None = None) -> Iterator[Article]:
    opts = opts or ReadOptions()
    manifest = path / "manifest.jsonl"
    if not manifest.exists():
        yield from read_plain_directory(path, opts)
        return
    for meta in iter_manifest(manifest, opts):
        lineno = meta.pop("_line", None)
        file = _guard(opts, manifest, lineno, meta["doc_id"], lambda: _manifest_file(path, manifest, meta))
        if file is None:
            continue
        art = _guard(opts, file, None, meta["doc_id"], lambda: _file_article(file, meta, opts))
        if art is not None:
            yield art


def _manifest_file(path: Path, manifest: Path, meta: dict[str, Any]) -> Path:
    if meta.get("file") is not None and not isinstance(meta["file"], str):
        raise InputError(f"{manifest}: {meta['doc_id']}: file must be a string, not {meta['file']!r}")
    file = path / (meta.get("file") or f"{meta['doc_id']}.txt")
    if not file.resolve().is_relative_to(path.resolve()):
        raise InputError(f"{manifest}: file {meta.get('file')!r} of {meta['doc_id']} lies outside {path}")
    if not file.exists():
        raise InputError(f"{manifest}: {meta['doc_id']}: text file {file.name} not found")
    return file


def read_plain_directory(path: Path, opts: ReadOptions | None = None) -> Iterator[Article]:
    """A folder without manifest.jsonl: each ``*.txt`` (and ``*.html``/``*.htm``) file, in name order, is
    one article whose doc_id comes from the file name; dates from the command-line defaults, else
    the text (segmentation), else none (flag ``published-missing``)."""
    opts = opts or ReadOptions()
    try:
        files = sorted(f for f in path.iterdir() if f.suffix.lower() in TEXT_SUFFIXES and not f.name.startswith("."))
    except OSError as exc:
        raise InputError(f"{path}: cannot list the directory: {exc.strerror or exc}") from exc
    if not files:
        raise InputError(f"{path}: no manifest.jsonl and no .txt or .html files (a directory input needs one or the other)")
    names: dict[str, Path] = {}
    for file in files:
        doc_id = _doc_id_from_name(file)
        if doc_id in names:         # "a.txt" and "a.html": one doc_id for two files
            doc_id = _doc_id_from_name(Path(file.name.replace(".", "_") + ".txt"))
        names[doc_id] = file

        def one(file: Path = file, doc_id: str = doc_id) -> Article:
            meta = check_meta({"doc_id": doc_id}, str(file))
            return _file_article(file, meta, opts)

        art = _guard(opts, file, None, doc_id, one)
        if art is not None:
            yield art


MAX_LINE_BYTES = MAX_BYTES + 1024 * 1024     # the text's limit plus room for the metadata around it


def _bounded_lines(fh: BinaryIO, limit: int) -> Iterator[tuple[bytes, int]]:
    """The file's lines with their sizes; a line over ``limit`` bytes comes as ``(b"", size)`` and is
    skipped in 1 MB steps, so one huge line never sits in memory whole (issue 18: memory flat on a
    50 MB article)."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        size = len(raw)
        del raw
        while True:
            rest = fh.readline(1 << 20)
            size += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
        yield b"", size


def read_jsonl(path: Path, opts: ReadOptions | None = None) -> Iterator[Article]:
    opts = opts or ReadOptions()
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        for lineno, (raw, size) in enumerate(_bounded_lines(fh, MAX_LINE_BYTES), 1):
            where = f"{path}:{lineno}"
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]                                   # a UTF-8 BOM before the first object
            if not raw.strip() and size <= MAX_LINE_BYTES:
                continue
            holder: dict[str, Any] = {}

            def one(raw: bytes = raw, where: str = where, size: int = size) -> Article:
                if size > MAX_LINE_BYTES:
                    raise InputError(f"{where}: a line of {size} bytes is larger than the {MAX_BYTES} byte limit")
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise InputError(f"{where}: not valid UTF-8") from exc
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where}: malformed JSON ({exc.msg})") from exc
                if not isinstance(obj, dict):
                    raise InputError(f"{where}: each line must be a JSON object with doc_id and text")
                holder["doc_id"] = obj.get("doc_id")
                text = obj.get("text")
                html = obj.get("html") if text is None else None
                meta = {k: v for k, v in obj.items() if k not in ("text", "html")}
                if html is not None:
                    if not isinstance(html, str) or not html.strip():
                        raise InputError(f"{where}: empty html")
                    _check_text(html, where)
                    check_meta(meta, where)
                    text = _from_html(html, meta, where, opts)
                if not isinstance(text, str) or not text.strip():
                    raise InputError(f"{where}: missing or empty text")
                _check_text(text, where)
                _check_line_breaks(text, where)
                if len(text.encode("utf-8")) > MAX_BYTES:
                    raise InputError(f"{where}: text larger than the {MAX_BYTES} byte limit")
                check_meta(meta, where)
                return Article(meta["doc_id"], text, meta, where)   # repeats: read_inputs (one map, on disk)

            art = _guard(opts, path, lineno, holder, one)
            if art is not None:
                yield art


def read_text_file(path: Path, published: str | None, doc_id: str | None = None,
                   retrieved: str | None = None, url: str | None = None,
                   opts: ReadOptions | None = None) -> Iterator[Article]:
    """One .txt (or .html/.htm) file; ``published``/``retrieved`` come from the command line."""
    opts = opts or ReadOptions()
    meta = {"doc_id": doc_id or _doc_id_from_name(path), "published": published, "retrieved": retrieved, "url": url}
    check_meta(meta, str(path))
    published = meta.pop("published")       # a default: a page's own date (HTML metadata) comes first
    art = _guard(opts, path, None, meta["doc_id"], lambda: _file_article(path, meta, opts))
    if art is not None:
        if published and not art.meta.get("published"):
            art.meta["published"], art.meta["published_basis"] = published, "command-line"
        art.meta.setdefault("published", None)
        yield art


def _doc_id_from_name(path: Path) -> str:
    """A safe doc_id from a file name: unsafe characters become "_"; a name with nothing usable
    ("_.txt", "报告.txt") or too long gets a stable hash of the name instead."""
    doc_id = re.sub(r"[^A-Za-z0-9._:-]", "_", path.stem)
    if DOC_ID_RE.match(doc_id):
        return doc_id
    return "doc-" + hashlib.sha256(path.name.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _apply_defaults(meta: dict[str, Any], opts: ReadOptions) -> None:
    """The command-line dates for an input that carries none (basis ``command-line``)."""
    if not meta.get("published") and opts.published:
        meta["published"], meta["published_basis"] = opts.published, "command-line"
    if not meta.get("retrieved") and opts.retrieved:
        meta["retrieved"] = opts.retrieved


def read_inputs(paths: list[Path], published: str | None = None, retrieved: str | None = None,
                opts: ReadOptions | None = None) -> Iterator[Article]:
    """All articles of all inputs, in order; doc_ids must be unique across inputs.

    ``published``/``retrieved`` (or ``opts.published``/``opts.retrieved``) are the defaults for
    every article whose input carries none. Without a quarantine a repeated doc_id is an error;
    with one, a repeat with the same text is dropped (logged) and a repeat with another text is
    quarantined: the first one wins."""
    opts = opts or ReadOptions()
    if published is not None:
        opts.published = published
    if retrieved is not None:
        opts.retrieved = retrieved
    seen = TempKeyMap()                # doc_id -> 60 bits of the text's SHA-256, on disk: memory stays flat (issue 18)
    try:
        for path in paths:
            if not path.exists():               # a wrong command line, not a bad input unit: always an error
                raise InputError(f"{path}: no such file or directory")
            if path.is_dir():
                it = read_directory(path, opts)
            elif path.suffix.lower() in (".jsonl", ".ndjson"):
                it = read_jsonl(path, opts)
            elif path.suffix.lower() in TEXT_SUFFIXES:
                it = read_text_file(path, opts.published, retrieved=opts.retrieved, opts=opts)
            else:
                raise InputError(f"{path}: unknown input type (expected a directory, .txt, .html/.htm or .jsonl)")
            for art in it:
                _apply_defaults(art.meta, opts)
                try:
                    check_meta(art.meta, art.source)       # a default retrieved before the input's own published
                except InputError as exc:
                    if opts.quarantine is None:
                        raise
                    opts.quarantine.add(exc, *_split_source(art.source), art.doc_id)
                    continue
                digest = int(art.content_hash[:15], 16)        # 60 bits: a signed 64-bit SQLite integer
                first = seen.get(art.doc_id)
                if first is not None:
                    if opts.quarantine is None:
                        raise InputError(f"{art.source}: duplicate doc_id {art.doc_id!r} across inputs")
                    if first == digest:
                        log.warning("%s: duplicate doc_id %r with the same text: skipped", art.source, art.doc_id)
                    else:
                        opts.quarantine.add(InputError(f"{art.source}: duplicate doc_id {art.doc_id!r} with a different "
                                                       "text (the first one is kept)"), *_split_source(art.source), art.doc_id)
                    continue
                seen.set(art.doc_id, digest)
                yield art
    finally:
        seen.close()


def _split_source(source: str) -> tuple[str, int | None]:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (source, None)

