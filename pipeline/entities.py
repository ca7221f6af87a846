"""Corpus-level entity table: every canonical agency and programme of a run, its aliases and
article count. With ``embed=True``, keys whose names are near in MiniLM embedding space (cosine
above ``threshold``, same head noun and jurisdiction) are grouped under one representative key."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipeline.stages.names.linking import EmbeddingLinker


def entity_table(records_path: Path, embed: bool = True, threshold: float = 0.9) -> list[dict[str, Any]]:
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    articles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in Path(records_path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        for m in rec["mentions"]:
            if m["type"] in ("AGENCY", "PROGRAMME"):
                key = (m["type"], m["canonical"])
                names[key].append(m["text"])
                articles[key].add(rec["doc_id"])
    groups: dict[tuple[str, str], tuple[str, str]] = {k: k for k in names}
    if embed:
        for etype in ("AGENCY", "PROGRAMME"):
            by_key = {k[1]: v for k, v in names.items() if k[0] == etype}
            for canonical, representative in EmbeddingLinker(threshold).group(by_key).items():
                groups[(etype, canonical)] = (etype, representative)
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for key, rep in groups.items():
        row = table.setdefault(rep, {"type": rep[0], "canonical": rep[1], "aliases": [], "keys": [], "articles": set()})
        row["keys"].append(key[1])
        row["aliases"] += names[key]
        row["articles"] |= articles[key]
    out = []
    for row in table.values():
        counts: dict[str, int] = defaultdict(int)
        for a in row["aliases"]:
            counts[a.strip('"“”')] += 1
        out.append({"type": row["type"], "canonical": row["canonical"], "articles": len(row["articles"]),
                    "mentions": len(row["aliases"]), "keys": sorted(row["keys"]),
                    "aliases": [a for a, _ in sorted(counts.items(), key=lambda x: -x[1])]})
    return sorted(out, key=lambda r: (r["type"], -r["articles"], r["canonical"]))
