"""The stages' data files (pipeline/stages/<stage>/resources/*.jsonl) are what steers the stages (issue 19).

A maintainer who adds a currency, a relative word or a line cue runs ``pytest tests/test_resources.py``
and sees at once whether the entry is read and fires:

- every file has a ``_meta`` header (purpose, format, source, read_by) and its ``read_by`` names
  modules that exist and name the file;
- no unread data: after the pipeline ran, every file was read, and every list of a file of named
  lists (read through ``load_groups``) was looked up by a reader;
- every rule has a handler (a dates rule's ``handler`` is one the dates code declares, a line
  rule's ``kind`` is a line kind of the record schema);
- every rule's ``example`` yields that rule id in the record's provenance (one test per rule id);
- every rule fires on at least one case text (tests/cases/) or train/dev gold article.

A *rule file* is any resource file whose rows all carry an ``id``; the rule ids are looked for in
the record wherever provenance is written (mention and line ``rule``, article-field ``rule``,
``published_basis``, ``flags``), split at the separators of composed ids
("q_digits+currency", "names_acronym_cue:cue_agency_speech_verb:long").
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from pipeline import resources

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
STAGES = ("segment", "dates", "quantities", "names")
REQUIRED_META = ("purpose", "format", "source", "read_by")

# Rule files whose ids never reach a record, with the regex flags of their patterns: the tokenizer's
# infixes split tokens (examples "BureauThe -> Bureau | The" are checked on the tokenizer), and the
# names stage's chrome patterns mark lines it reads no names from (an example line yields no name).
# For these, "fires" means the pattern matches a line of some case or train/dev gold text.
TOKENIZER_RULE_FILES = {("segment", "infixes")}
CHROME_RULE_FILES = {("names", "chrome")}
PATTERN_ONLY_RULE_FILES = {("segment", "infixes"): 0, ("names", "chrome"): re.IGNORECASE}
# The publication-date finder runs only when the input gives no date: its examples run without one.
PUBLISHED_FINDER_FILES = {("segment", "published_rules")}
# Fields whose values must come from a closed set a stage implements (issue 19 "every rule has a handler").
HANDLER_FIELDS = {("dates", "rules"): "handler", ("segment", "line_rules"): "kind"}
# Where provenance is written in a record (recursively: mentions, lines, article fields, anchors ...).
PROVENANCE_KEYS = frozenset({"rule", "rules", "basis", "published_basis", "published_rule", "flags"})
ID_SEPARATORS = re.compile(r"[:+@|,;\s]+")
EXAMPLE_PUBLISHED = "2024-07-15"     # a fixed anchor for examples (no today(): records must be reproducible)
EXAMPLE_RETRIEVED = "2024-09-01"


# --------------------------------------------------------------------------- reading the data files

def _key(path: Path) -> tuple[str, str]:
    """(stage, name) of a resource file."""
    return path.parent.parent.name, path.stem


def _rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a data file, header excluded (read directly: the test must not count as a reader)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines[1:]]


def _header(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        first = json.loads(fh.readline())
    return first.get("_meta", {}) if isinstance(first, dict) else {}


FILES = resources.all_resource_files()
FILE_IDS = [f"{stage}/{name}" for stage, name in map(_key, FILES)]


@lru_cache(maxsize=None)
def _rule_files() -> tuple[Path, ...]:
    """Files of rules: every row carries an id."""
    return tuple(p for p in FILES if (rows := _rows(p)) and all("id" in r for r in rows))


def _rule_params(with_example: bool) -> list[Any]:
    """One pytest param per rule id, so a failure names the file and the rule."""
    params = []
    for path in _rule_files():
        stage, name = _key(path)
        for row in _rows(path):
            if with_example and (stage, name) in TOKENIZER_RULE_FILES:
                continue
            params.append(pytest.param(stage, name, row, id=f"{stage}/{name}:{row['id']}"))
    return params


# --------------------------------------------------------------------------- running the pipeline

def _build(rules_mode: bool) -> Language:
    from pipeline.nlp import build

    # rules mode: the segmenter without its learned line model, where every line rule applies
    # (the model mode uses only the rules marked exact; both modes are supported configurations)
    return build(overrides={"components.govnews_segment.line_model": None} if rules_mode else None)


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Language]:
    return {"default": _build(False), "rules": _build(True)}


def _record(nlp: Language, text: str, meta: dict[str, Any]) -> dict[str, Any]:
    from pipeline.io.writer import to_record
    from pipeline.nlp import make_doc

    return to_record(nlp(make_doc(nlp, text, {"doc_id": "resource-test", **meta})))


def provenance_ids(record: Any) -> set[str]:
    """Every rule id the record names, with composed ids split into their parts and the stage
    prefix some stages put before a data-file id ("names_desig_two_mountains") also removed."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            for part in ID_SEPARATORS.split(value):
                if part:
                    found.add(part)
                    found.update(part.removeprefix(f"{stage}_") for stage in STAGES)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in PROVENANCE_KEYS:
                    collect(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(record)
    return found


def _case_inputs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(stage, text, metadata) of every case in tests/cases/, with the metadata test_cases.py gives."""
    for path in sorted(CASES.glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            if "_meta" in case or "text" not in case:
                continue
            meta = {"published": case.get("published"), "retrieved": case.get("retrieved"), "url": case.get("url")}
            if case.get("jurisdiction"):
                meta["jurisdiction"] = case["jurisdiction"]
            yield path.parent.name, case["text"], meta


def _gold_inputs() -> Iterator[tuple[str, dict[str, Any]]]:
    """(text, manifest metadata) of the gold articles of train and dev only: sealed test families and
    legacy test articles are never run here (their outputs must not steer rules)."""
    splits = json.loads((REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))
    families = json.loads((REPO / "annotations" / "families.json").read_text(encoding="utf-8"))
    sealed_families = set(families["split"]["test"])
    sealed = set(splits.get("test", [])) | set(splits.get("legacy_test", []))
    allowed = (set(splits["train"]) | set(splits["dev"])) - sealed
    gold_ids = {json.loads(line)["doc_id"] for line in
                (REPO / "annotations" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    for line in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        meta = json.loads(line)
        if meta["doc_id"] in allowed and meta["doc_id"] in gold_ids and meta.get("family") not in sealed_families:
            yield (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8"), meta


@pytest.fixture(scope="module")
def fired(pipelines: dict[str, Language]) -> dict[str, set[str]]:
    """Rule ids in the provenance of the records of every case and every train/dev gold article
    (default pipeline; the rules-mode pipeline too for the segment cases and the articles, where
    line rules apply), and the texts, for the rules whose ids never reach a record (infixes, chrome).
    Only ids are collected: no output is compared with gold here."""
    ids: set[str] = set()
    texts: list[str] = []
    gold = list(_gold_inputs())
    for stage, text, meta in _case_inputs():
        texts.append(text)
        ids |= provenance_ids(_record(pipelines["default"], text, meta))
        if stage == "segment":
            ids |= provenance_ids(_record(pipelines["rules"], text, meta))
    for text, meta in gold:
        texts.append(text)
        for nlp in pipelines.values():
            ids |= provenance_ids(_record(nlp, text, meta))
    return {"ids": ids, "texts": set(texts)}


# --------------------------------------------------------------------------- headers

def test_resource_files_exist() -> None:
    assert FILES, "no resource files found under pipeline/stages/*/resources/"


def _named_modules(entries: Iterable[Any]) -> list[str]:
    """The modules a read_by entry names: paths from the repository root ("pipeline/stages/x/y.py");
    a bare file name ("found.py") is a module beside the path named before it."""
    modules: list[str] = []
    for entry in entries:
        folder = ""
        for name in re.findall(r"[\w./-]+\.py", str(entry)):
            if "/" in name:
                folder = name.rsplit("/", 1)[0]
                modules.append(name)
            else:
                modules.append(f"{folder}/{name}" if folder else name)
    return modules


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_resource_header_says_what_reads_it(path: Path) -> None:
    header = _header(path)
    missing = [k for k in REQUIRED_META if not header.get(k)]
    assert not missing, f"{path.relative_to(REPO)}: _meta lacks {missing}"
    read_by = header["read_by"]
    entries = [read_by] if isinstance(read_by, str) else list(read_by)
    modules = _named_modules(entries)
    assert modules, f"{path.relative_to(REPO)}: read_by {read_by!r} names no module (pipeline/.../x.py)"
    stage, name = _key(path)
    absent = [m for m in modules if not (REPO / m).is_file()]
    assert not absent, f"{path.relative_to(REPO)}: read_by names {absent}, which do not exist"
    # read_by may also name helpers of the reader ("handlers in finder.py"); one module must be the reader
    readers = [m for m in modules if re.search(rf"""["']{re.escape(name)}["']""", (REPO / m).read_text(encoding="utf-8"))]
    assert readers, f"{path.relative_to(REPO)}: none of read_by {modules} names the file ({name!r})"


# --------------------------------------------------------------------------- no unread data

@pytest.fixture(scope="module")
def exercised(pipelines: dict[str, Language]) -> dict[tuple[str, str], frozenset[str]]:
    """What the loader read once both pipelines were built and ran on a few texts of each stage
    (stages may load a file lazily, at their first article)."""
    seen: set[str] = set()
    for stage, text, meta in _case_inputs():
        if stage in seen:
            continue
        seen.add(stage)
        for nlp in pipelines.values():
            _record(nlp, text, meta)
            _record(nlp, text, {**meta, "published": None})        # the publication-date finder too
    return resources.reads()


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_resource_file_is_read(exercised: dict[tuple[str, str], frozenset[str]], path: Path) -> None:
    assert _key(path) in exercised, f"{path.relative_to(REPO)} is never read by the pipeline"


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_resource_every_list_is_read(exercised: dict[tuple[str, str], frozenset[str]], path: Path) -> None:
    """A file of named lists read through load_groups: every list in the file is looked up by a reader
    (a file read whole with load_rows counts as read)."""
    stage, name = _key(path)
    groups_read = exercised.get((stage, name), frozenset())
    key = resources.group_key(stage, name)
    if "*" in groups_read or key is None:
        pytest.skip("read whole (load_rows) or never read through load_groups")
    present = {row.get(key) for row in _rows(path)}
    unread = sorted(map(str, present - groups_read))
    assert not unread, f"{path.relative_to(REPO)}: lists {unread} ({key}) are loaded but no reader looks them up"


# --------------------------------------------------------------------------- every rule has a handler

def _line_kinds() -> set[str]:
    schema = json.loads((REPO / "pipeline" / "io" / "schemas" / "record.schema.json").read_text(encoding="utf-8"))
    return set(schema["properties"]["lines"]["items"]["properties"]["kind"]["enum"])


def test_resource_dates_rules_name_declared_handlers(exercised: dict[tuple[str, str], frozenset[str]]) -> None:
    """The dates code declares its handlers (check_values at load time); every rule names one."""
    declared = resources.checks().get(("dates", "rules"), {}).get(HANDLER_FIELDS[("dates", "rules")])
    assert declared is not None, "the dates stage does not declare its handler names " \
                                 "(resources.check_values('dates', 'rules', 'handler', ...))"
    rows = _rows(resources.resource_path("dates", "rules"))
    unknown = sorted({(r["id"], r["handler"]) for r in rows if r["handler"] not in declared})
    assert not unknown, f"rules whose handler the dates code does not have: {unknown}"


def test_resource_line_rules_have_valid_kinds() -> None:
    kinds = _line_kinds()
    rows = _rows(resources.resource_path("segment", "line_rules"))
    bad = sorted((r["id"], r.get("kind")) for r in rows if r.get(HANDLER_FIELDS[("segment", "line_rules")]) not in kinds)
    assert not bad, f"line rules with a kind outside {sorted(kinds)}: {bad}"


# --------------------------------------------------------------------------- every example yields its rule

def _example_pipeline(pipelines: dict[str, Language], stage: str, name: str, row: dict[str, Any]) -> Language:
    # a line rule not marked exact applies only without the line model (rules mode)
    if (stage, name) == ("segment", "line_rules") and not row.get("exact"):
        return pipelines["rules"]
    return pipelines["default"]


def _example_input(stage: str, name: str, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(text, metadata) that runs a rule's example: the publication-date finder's examples run without
    a publication date (a url rule's example is the url), every other one with a fixed date."""
    example = row["example"]
    if (stage, name) in PUBLISHED_FINDER_FILES:
        if row.get("where") == "url":
            return "The ministry published its annual report.", {"url": example, "retrieved": EXAMPLE_RETRIEVED}
        return example, {"retrieved": EXAMPLE_RETRIEVED}
    return example, {"published": EXAMPLE_PUBLISHED, "retrieved": EXAMPLE_RETRIEVED}


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: "/".join(_key(p)))
def test_resource_rules_have_examples(path: Path) -> None:
    missing = [r["id"] for r in _rows(path) if not str(r.get("example", "")).strip()]
    assert not missing, f"{path.relative_to(REPO)}: rules without an example: {missing}"


@pytest.mark.parametrize("stage,name,row", _rule_params(with_example=True))
def test_resource_rule_example_yields_its_id(pipelines: dict[str, Language], stage: str, name: str,
                                            row: dict[str, Any]) -> None:
    if not str(row.get("example", "")).strip():
        pytest.skip("no example (test_resource_rules_have_examples fails for it)")
    if (stage, name) in CHROME_RULE_FILES:
        _check_chrome_example(pipelines["default"], row)
        return
    text, meta = _example_input(stage, name, row)
    record = _record(_example_pipeline(pipelines, stage, name, row), text, meta)
    ids = provenance_ids(record)
    assert row["id"] in ids, (f"{stage}/{name}: the example {row['example']!r} does not yield {row['id']!r}; "
                              f"the record names {sorted(i for i in ids if '_' in i)[:20]}")


def _check_chrome_example(nlp: Language, row: dict[str, Any]) -> None:
    """A chrome pattern's example is a line it matches, and the names stage reads no name from it."""
    example = row["example"]
    assert re.search(row["pattern"], example, PATTERN_ONLY_RULE_FILES[("names", "chrome")]), \
        f"chrome {row['id']}: pattern does not match its example {example!r}"
    record = _record(nlp, example, {"published": EXAMPLE_PUBLISHED})
    names = [m["text"] for m in record["mentions"] if m["type"] in ("AGENCY", "PROGRAMME")]
    assert not names, f"chrome {row['id']}: names read from its example line {example!r}: {names}"


@pytest.mark.parametrize("row", [row for p in _rule_files() if _key(p) in TOKENIZER_RULE_FILES for row in _rows(p)],
                         ids=lambda r: str(r.get("id")))
def test_resource_infix_example_splits(pipelines: dict[str, Language], row: dict[str, Any]) -> None:
    """An infix example reads 'Glued -> Part | Part': the tokenizer splits the glued text there."""
    glued = row["example"].split("->")[0].strip().strip("'\"")
    assert glued and " " not in glued, f"infix {row['id']}: example {row['example']!r} is not of the form 'Glued -> A | B'"
    match = re.search(row["pattern"], glued)
    assert match, f"infix {row['id']}: pattern does not match its example {glued!r}"
    tokens = [t.text for t in pipelines["default"].make_doc(glued)]
    assert len(tokens) > 1, f"infix {row['id']}: the tokenizer does not split {glued!r}"


# --------------------------------------------------------------------------- every rule fires somewhere

@pytest.mark.parametrize("stage,name,row", _rule_params(with_example=False))
def test_resource_rule_fires_on_a_case_or_gold_article(fired: dict[str, set[str]], stage: str, name: str,
                                                      row: dict[str, Any]) -> None:
    if (stage, name) in PATTERN_ONLY_RULE_FILES:
        pattern = re.compile(row["pattern"], PATTERN_ONLY_RULE_FILES[(stage, name)])
        assert any(pattern.search(line) for text in fired["texts"] for line in text.split("\n")), \
            f"{stage}/{name}: {row['id']} matches no line of a case text or a train/dev gold article"
        return
    assert row["id"] in fired["ids"], (f"{stage}/{name}: rule {row['id']!r} fires on no case (tests/cases/) and no "
                                       f"train/dev gold article: add a case or delete the rule")


# --------------------------------------------------------------------------- the loader itself

@pytest.fixture()
def scratch_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A stage directory of its own, so the loader's bookkeeping can be checked on a known file."""
    folder = tmp_path / "stages" / "scratch" / "resources"
    folder.mkdir(parents=True)
    (folder / "words.jsonl").write_text(
        '{"_meta": {"purpose": "p", "format": "f", "source": "s", "read_by": "x.py"}}\n'
        '{"list": "month", "surface": "May"}\n{"list": "rel", "surface": "last"}\n', encoding="utf-8")
    monkeypatch.setattr(resources, "STAGES_DIR", tmp_path / "stages")
    resources._numbered_rows.cache_clear()
    yield folder
    resources._numbered_rows.cache_clear()
    for book in (resources._READS, resources._GROUP_KEYS, resources._CHECKS):     # leave no scratch entries behind
        book.pop(("scratch", "words"), None)


def test_loader_counts_a_list_read_only_when_a_reader_looks_it_up(scratch_stage: Path) -> None:
    groups = resources.load_groups("scratch", "words", "list", {"month", "rel"})
    assert resources.reads()[("scratch", "words")] == frozenset()          # loaded, nothing used yet
    assert [r["surface"] for r in groups["month"]] == ["May"]
    assert resources.reads()[("scratch", "words")] == {"month"}            # "rel" still unread
    assert resources.group_key("scratch", "words") == "list"


def test_loader_names_file_and_line_of_an_unknown_group_or_value(scratch_stage: Path) -> None:
    with pytest.raises(resources.ResourceError, match=r"words\.jsonl:3: unknown list 'rel'"):
        resources.load_groups("scratch", "words", "list", {"month"})
    with pytest.raises(resources.ResourceError, match=r"words\.jsonl:2: unknown surface 'May'"):
        resources.check_values("scratch", "words", "surface", {"last"})
    assert resources.checks()[("scratch", "words")]["surface"] == {"last"}
