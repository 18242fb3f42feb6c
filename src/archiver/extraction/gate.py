"""The article gate: judge the extracted text, not the page it came from.

A page is refused when what the extractor found is not an article: nothing, too few words,
mostly link text (a list of links, a menu), only short lines (no paragraph of sentences), or
characters that do not read as language (random bytes served as HTML). The same measures tell
the extractor when its first candidate looks wrong and a second one is worth computing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from archiver.errors import NotAnArticle
from archiver.extraction.blocks import Block
from archiver.text import count_words

NAVIGATION_LINK_SHARE = 0.9  # a "body" that is nearly all link text is a list of links
# More lines than this and none of a sentence's length: a list of teasers, a menu. A short
# article written in short lines (a service page, a list of links with notes) has fewer.
SHORT_LINES_ONLY = 20
LIST_LINE_WORDS = 15
# Prose in any script is about 80% letters and has almost no symbols or control characters;
# random bytes decoded as text are about 55% letters and 20% symbols and controls. A table of
# figures has few letters but no more symbols. (A language detector is no judge here:
# py3langid named random Latin-1 text "gcf" with full confidence.)
PROSE_LETTER_SHARE = 0.7
NOISE_SHARE = 0.1
LETTER_SAMPLE = 5000


@dataclass(frozen=True)
class Signals:
    """Measures of a candidate body: words, link share, longest block, share of letters."""

    words: int
    chars: int
    link_share: float
    longest: int
    blocks: int
    letter_share: float
    noise_share: float

    @classmethod
    def of(cls, blocks: Sequence[Block]) -> Signals:
        """Measure `blocks`."""
        chars = sum(len(b.text) for b in blocks)
        letters, noise = character_shares("\n".join(b.text for b in blocks)[:LETTER_SAMPLE])
        counts = [count_words(b.text) for b in blocks]
        return cls(
            words=sum(counts),
            chars=chars,
            link_share=sum(b.link_chars for b in blocks) / chars if chars else 0.0,
            longest=max(counts, default=0),
            blocks=len(blocks),
            letter_share=letters,
            noise_share=noise,
        )

    def refusal(self, min_words: int) -> NotAnArticle | None:
        """Why these blocks are not an article, or None when they are one."""
        if self.words == 0:
            return NotAnArticle("empty", "no article text found")
        if self.link_share > NAVIGATION_LINK_SHARE:
            return NotAnArticle("navigation", f"{int(self.link_share * 100)}% of the text is links")
        if self.words < min_words:
            return NotAnArticle("too_short", f"{self.words} words, fewer than {min_words}")
        if self.longest < LIST_LINE_WORDS and self.blocks > SHORT_LINES_ONLY:
            return NotAnArticle("navigation", "only short lines, no paragraph")
        if self.letter_share < PROSE_LETTER_SHARE and self.noise_share >= NOISE_SHARE:
            letters, noise = round(self.letter_share * 100), round(self.noise_share * 100)
            return NotAnArticle(
                "empty",
                f"the text does not read as language ({letters}% letters, {noise}% symbols)",
            )
        return None


def character_shares(sample: str) -> tuple[float, float]:
    """Letters, and symbols or control characters, among the non-space characters of `sample`
    ((1.0, 0.0) when there are none)."""
    visible = "".join(sample.split())
    if not visible:
        return 1.0, 0.0
    letters = sum(map(str.isalpha, visible))
    # Letters and digits are never symbols or controls: only the rest is looked up.
    noise = sum(1 for c in visible if not c.isalnum() and unicodedata.category(c)[0] in "SC")
    return letters / len(visible), noise / len(visible)
