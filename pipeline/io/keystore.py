"""Per-article bookkeeping kept on disk, so that memory stays flat whatever the feed size (issue 18).

Exactly-once output needs to remember every doc_id of a run: which ones were seen (duplicates),
in which order they came, where each record lies in the chunk log. Held in Python dicts and lists
that is about 200 bytes per article (210 MB for a feed of 1,000,000). SQLite (in the standard
library, well kept, crash-safe) holds the same in a file with a bounded page cache.
"""
from __future__ import annotations

import sqlite3

# A few MB of page cache per database, whatever the number of rows (negative = KiB).
CACHE_KIB = 4096


def connect(target: str) -> sqlite3.Connection:
    """A connection with a bounded page cache; ``""`` opens a private temporary on-disk database
    that SQLite deletes when the connection closes."""
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return db


class TempKeyMap:
    """A ``str -> int`` map in a private temporary SQLite database (gone when closed or collected)."""

    def __init__(self) -> None:
        self._db = connect("")
        # A scratch table: no journal, no syncs, one transaction for its whole life (a commit per
        # insert cost ~30 us an article).
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def get(self, key: str) -> int | None:
        row = self._db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def set(self, key: str, value: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM kv").fetchone()[0])

    def close(self) -> None:
        self._db.close()
