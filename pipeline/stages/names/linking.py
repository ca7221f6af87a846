"""Canonical keys for agencies and programmes: normalisation, curated aliases, and
(optionally) grouping of near variants with MiniLM sentence embeddings.

``normalise`` folds the surface variation the genre produces (case, articles,
"Municipal"/"City", "Ecological Environment" vs "Ecology and Environment", "Bureau of
X and Y" vs "X and Y Bureau") with the word lists of ``resources/linking_words.jsonl``
(dropped words, synonyms, leading jurisdictions, head words); ``aliases.jsonl`` holds what
rules cannot know. Kept in code as structure: the rewrites of a few fixed phrases before the
words are looked at (People's Republic of China, Communist Party of China/CPC, municipality,
"Senate Bill 54" = "SB 54"), which are patterns over word sequences, not word lists.
``EmbeddingLinker`` (used by ``govnews entities`` and the ``accurate`` configuration)
merges keys whose names embed closer than a threshold tuned on the train split.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from pipeline.resources import load_groups, load_rows

LINKING_LISTS = ("drop_word", "synonym", "key_jurisdiction", "key_head")


@lru_cache(maxsize=1)
def _linking_words() -> dict[str, tuple[dict[str, Any], ...]]:
    """The lists of resources/linking_words.jsonl (an unknown list fails at load time with file and line)."""
    return load_groups("names", "linking_words", "list", LINKING_LISTS)


_WORDS = _linking_words()
DROP_WORDS = frozenset(row["surface"] for row in _WORDS["drop_word"])
SYNONYMS = {row["surface"]: row["to"] for row in _WORDS["synonym"]}
JURISDICTIONS = frozenset(row["surface"] for row in _WORDS["key_jurisdiction"])
HEAD_WORDS = tuple(row["surface"] for row in _WORDS["key_head"])
HEAD_WORD_SET = frozenset(HEAD_WORDS)


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalise(name: str) -> str:
    """Order-insensitive normal form of a name: 'Bureau of Ecology and Environment' → 'ecology environment bureau'."""
    text = _ascii(name).lower().replace("u.s.", "us ").replace("u.k.", "uk ").replace("’", "'").replace("'s", "s").replace("'", "")
    text = re.sub(r"[\"“”‘’]", " ", text)
    # "of the People's Republic of China", "Communist Party of China", "CPC ... Committee" fold away
    text = re.sub(r"\b(of\s+)?(the\s+)?peoples\s+republic\s+of\s+china\b", " ", text)
    text = re.sub(r"\b(of\s+)?(the\s+)?communist\s+party\s+of\s+china\b", " party ", text)
    text = re.sub(r"\bcpc\b", " party ", text)
    text = re.sub(r"\bmunicipality\b", " ", text)
    # a numbered bill and its short form are one name ("Senate Bill 54" = "SB 54", issue 25)
    text = re.sub(r"\b(senate|assembly|house)\s+bill\s+(?:no\.?\s+)?(\d+)", lambda m: f" {m.group(1)[0]}b {m.group(2)} ", text)
    text = re.sub(r"\b([sah]b)\s?(\d+)\b", r" \1\2 ", text)
    words = [SYNONYMS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]
    words = [w for w in words if w not in DROP_WORDS]
    # "Bureau of X and Y" and "X and Y Bureau" fold to one order: head words last, rest in order.
    heads = [w for w in words if w in HEAD_WORD_SET]
    # Word order varies across translations ("CPC Chongqing Committee", "Law on Yangtze River
    # Protection"): the jurisdiction stays first, the other modifiers are sorted, heads go last.
    rest = [w for w in words if w not in HEAD_WORD_SET]
    if rest and rest[0] in JURISDICTIONS:
        rest = rest[:1] + sorted(rest[1:])
    else:
        rest = sorted(rest)
    return " ".join(rest + heads)


@lru_cache(maxsize=1)
def alias_table() -> dict[str, str]:
    # Aliases are written as readable names; they are normalised here so the file stays stable
    # when normalise() changes.
    return {normalise(row["alias"]): row["canonical"] for row in load_rows("names", "aliases")}


def canonical_key(name: str, given: str | None = None) -> str:
    """Key for a mention: a gazetteer key if given, else a curated alias, else the normal form."""
    if given:
        return given
    norm = normalise(name)
    return alias_table().get(norm) or norm.replace(" ", "-") or "unknown"


class EmbeddingLinker:
    """Groups keys whose surface names are near in MiniLM embedding space.

    threshold (float): cosine similarity above which two keys of the same type merge;
    tuned on the train split by ``bench/tune_linking.py``.
    """

    def __init__(self, threshold: float = 0.9) -> None:
        self.threshold = threshold

    def _encode(self, texts: list[str]) -> np.ndarray:
        from pipeline.stages.names.embeddings import encode

        return encode(texts)

    def group(self, names_by_key: dict[str, list[str]]) -> dict[str, str]:
        """Map every key to a representative key (union of near pairs)."""
        keys = sorted(names_by_key)
        if len(keys) < 2:
            return {k: k for k in keys}
        reps = [max(names_by_key[k], key=len) for k in keys]
        vectors = self._encode(reps)
        sims = vectors @ vectors.T
        parent = list(range(len(keys)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                if sims[i, j] >= self.threshold and _compatible(keys[i], keys[j]):
                    parent[find(j)] = find(i)
        return {keys[i]: keys[find(i)] for i in range(len(keys))}


def _compatible(a: str, b: str) -> bool:
    """Never merge bodies with different head nouns or different leading jurisdictions."""
    ha = [w for w in a.split("-") if w in HEAD_WORD_SET]
    hb = [w for w in b.split("-") if w in HEAD_WORD_SET]
    if ha[-1:] != hb[-1:]:
        return False
    return a.split("-")[0] == b.split("-")[0]
