"""Tell the language of a text the page does not declare; the only module that imports py3langid.

py3langid loads its small model on first use and keeps it (its own cache, not ours), so the
first call costs a few milliseconds and the next ones well under one.
"""

from __future__ import annotations

import math
import re

import py3langid

MIN_WORDS = 15  # below this, a guess is noise: a headline or a caption is not enough
# Overruling what the page declares takes more text than filling a gap does.
MIN_WORDS_TO_OVERRULE = 50
MIN_CONFIDENCE = 0.9
SAMPLE_CHARS = 3000  # the first few paragraphs tell as much as the whole text, faster
_WORD = re.compile(r"\w+")
# The commonest words of a few languages: a tenth of any text in them (about a quarter in
# running prose), a few percent at most of a text in another.
_COMMON_WORDS = {
    "en": "the of and to in is that for it was with as on are be this by",
    "fr": "le la les de des et du un une est que qui dans pour en au sur",
    "de": "der die das und den des ist nicht mit ein eine zu auf dem sich von",
    "es": "el la los las de y que en un una es por con para del se",
    "it": "il la di che e un una per non del della è in con sono le",
    "nl": "de het een en van is dat op te in niet voor met zijn",
    "pt": "o a os as de e que do da em um uma para com não no na",
}
_FUNCTION_WORDS = {code: frozenset(words.split()) for code, words in _COMMON_WORDS.items()}
FUNCTION_WORD_SHARE = 0.1
# Languages the detector tells apart less surely than sites label them: no contradiction.
_CLOSE = {
    code: group
    for group in ({"no", "nb", "nn"}, {"hr", "sr", "bs"}, {"ms", "id"}, {"gl", "pt"})
    for code in group
}


def article_language(declared: str | None, text: str) -> str | None:
    """The language of an article: the declared one, unless the text is long enough and
    clearly in another (a `lang="en"` template around a German story); detected when the
    page declares none."""
    words = [w.casefold() for w in _WORD.findall(text[:SAMPLE_CHARS])]
    if declared and (len(words) < MIN_WORDS_TO_OVERRULE or _confirms(declared, words)):
        return declared
    detected = detect_language(text)
    if not detected or (declared and {declared, detected} <= _CLOSE.get(declared, set())):
        return declared or detected
    return detected


def _confirms(declared: str, words: list[str]) -> bool:
    """Whether the text's commonest words are the declared language's own: then it is that
    language, and the detector's model (a second and more to load) is not needed."""
    common = _FUNCTION_WORDS.get(declared, frozenset())
    return bool(common) and sum(w in common for w in words) >= FUNCTION_WORD_SHARE * len(words)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of `text`'s language, or None when the text is short or ambiguous."""
    sample = text[:SAMPLE_CHARS]
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return None
    ranked = py3langid.rank(sample)
    if not ranked:
        return None
    best_code, best_score = ranked[0]
    # rank() gives log-probabilities; the best one's share of the total is its confidence.
    total = sum(math.exp(score - best_score) for _, score in ranked)
    if 1.0 / total < MIN_CONFIDENCE:
        return None
    return str(best_code)
