"""Provenance of a QUANTITY: the ``rule`` string is a base id and the parts that fired, joined by
"+" ("q_digits+mag+currency+bound"). Every base and part id is declared, with what it means and an
example sentence that yields it, in ``resources/provenance.jsonl``; the code can tag a quantity
only with a declared id (``check``), so a test can run each example and find its id in the rule.
"""
from __future__ import annotations

from functools import lru_cache

from pipeline.resources import check_values, load_rows

KINDS = frozenset({"base", "part"})


@lru_cache(maxsize=1)
def rule_ids() -> dict[str, str]:
    """id → kind ("base": how the number was read; "part": what was attached or resolved)."""
    check_values("quantities", "provenance", "kind", KINDS)
    return {str(row["id"]): str(row["kind"]) for row in load_rows("quantities", "provenance")}


def check(rule_id: str, kind: str = "part") -> str:
    """The id itself when declared with that kind; a KeyError names an undeclared id."""
    if rule_ids().get(rule_id) != kind:
        raise KeyError(f"quantity rule {kind} {rule_id!r} is not declared in stages/quantities/resources/provenance.jsonl")
    return rule_id


def compose(base: str, *parts: str) -> str:
    """The rule string of a quantity: "q_digits+unit+per"."""
    return "+".join([check(base, "base"), *(check(p) for p in parts)])


def parts_of(rule: str) -> list[str]:
    """The ids in a rule string (base first)."""
    return rule.split("+")
