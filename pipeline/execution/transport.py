"""What a worker process sends back to the batch: the record already serialised (issue 19: the
transport type lives beside the batch code that uses it, not in the writer)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.execution.isolation import STAGE_ERRORS
from pipeline.io.writer import dumps


@dataclass(frozen=True)
class EncodedRecord:
    """A record already serialised where it was made (a worker process), with the figures the
    batch summary needs. A worker sends this instead of the record dict: a string pickles and
    unpickles far faster than a nested dict, and the parent, which shares the cores with the
    workers, no longer serialises the records nor splits the texts again."""

    line: str                      # dumps(record)
    words: int                     # len(article text.split())
    mentions: dict[str, int]       # mention counts by type
    stage_errors: tuple[dict[str, Any], ...] = ()       # StageError dicts: stages that failed on this article (issue 22)

    @classmethod
    def of(cls, record: dict[str, Any], text: str) -> "EncodedRecord":
        counts: dict[str, int] = {}
        for m in record["mentions"]:
            counts[m["type"]] = counts.get(m["type"], 0) + 1
        stage_errors = tuple(record.pop(STAGE_ERRORS, ()))
        return cls(dumps(record), len(text.split()), counts, stage_errors)

    def record(self) -> dict[str, Any]:
        return json.loads(self.line)
