"""``Found``: one quantity being built from a line (character offsets into the line), with the
provenance of every step that shaped it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.stages.quantities.provenance import check


@dataclass
class Found:
    start: int
    end: int
    value: float | None
    unit: str | None = None
    bound: str = "="
    change: str | None = None
    item: str | None = None
    rule: str = ""                  # base id and parts, "q_digits+unit" (provenance.py)
    extras: dict[str, Any] = field(default_factory=dict)
    per: str | None = None          # rate denominator (guide v1.2): "d", "a", "person", ...

    def tag(self, part: str) -> None:
        """Record that a declared rule part (provenance.jsonl) shaped this quantity."""
        self.rule += "+" + check(part)

    def untag(self, part: str) -> None:
        """Withdraw a part that a later step overruled ("Two-Factor" is no change's size)."""
        self.rule = self.rule.replace("+" + check(part), "")
