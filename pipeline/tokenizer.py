"""Tokenizer for scraped news: spaCy's English rules plus infixes for glued words.

Scraping joins words at line and markup boundaries ("BureauThe", "2024,XiJinpingDuring",
"practicedXiJinping"). The raw text is never edited (offsets index it), so the split
happens here, as zero-width or punctuation infixes. The infix patterns are data:
``pipeline/stages/segment/resources/infixes.jsonl``.
"""
from __future__ import annotations

import re
from typing import Callable

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, registry

from pipeline.resources import load_rows


# A whitespace-free run of 100+ characters is one token. spaCy strips prefixes and suffixes one
# character at a time, searching the whole rest of the run each time: quadratic, so a line of
# 16,000 punctuation characters took 42 s and 1 M would take days (issue 10). The stages read
# the raw text, not the tokens, so their output does not change.
LONG_CHUNK = re.compile(r"[^\s]{100}")


def glued_word_infixes() -> list[str]:
    """The infix patterns of infixes.jsonl, in file order."""
    return [row["pattern"] for row in load_rows("segment", "infixes")]


@registry.tokenizers("govnews.tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    def make(nlp: Language) -> Tokenizer:
        from spacy.tokenizer import Tokenizer as _T
        from spacy.util import compile_prefix_regex, compile_suffix_regex

        defaults = nlp.Defaults
        tokenizer = _T(nlp.vocab, rules=defaults.tokenizer_exceptions,
                       prefix_search=compile_prefix_regex(defaults.prefixes or ()).search,
                       suffix_search=compile_suffix_regex(defaults.suffixes or ()).search,
                       url_match=defaults.url_match, token_match=LONG_CHUNK.match)
        infixes = [*(nlp.Defaults.infixes or ()), *glued_word_infixes()]
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        return tokenizer

    return make
