"""govnews: offline extraction pipeline for environmental-governance news.

The import package is ``pipeline``; the distribution and the CLI are ``govnews``.
Each stage is one spaCy component in its own module (segment, quantities, dates,
names); ``pipeline.nlp.build()`` assembles them from ``config.cfg`` and
``pipeline.io.writer.to_record`` turns a processed Doc into one JSONL record.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

__version__ = "0.1.0"


def frames(records: Iterable[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """DataFrames (articles, lines, mentions, quantities, dates, entities) from records; see pipeline/io/frames.py."""
    from pipeline.io.frames import frames as _frames

    return _frames(records)


__all__ = ["__version__", "frames"]
