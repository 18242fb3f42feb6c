"""Language detection from the text, for pages that do not declare theirs."""

from __future__ import annotations

import pytest

from archiver.extraction.language import detect_language

TEXTS = {
    "fr": "Le conseil municipal a voté mardi soir la création de trois nouvelles pistes "
    "cyclables dans le centre-ville, un projet attendu depuis des années par les associations.",
    "de": "Der Stadtrat hat am Dienstagabend beschlossen, drei neue Radwege in der Innenstadt "
    "anzulegen, ein Vorhaben, auf das die Verbände seit Jahren gewartet haben.",
    "en": "The city council voted on Tuesday night to create three new bike lanes downtown, "
    "a project that cycling groups had been waiting on for years.",
}


@pytest.mark.parametrize(("code", "text"), sorted(TEXTS.items()))
def test_detects_the_language_of_a_paragraph(code: str, text: str) -> None:
    """A paragraph of French, German or English is recognized."""
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "Accueil", "Breaking news: markets up"])
def test_short_text_gives_no_guess(text: str) -> None:
    """A few words are not enough to tell a language."""
    assert detect_language(text) is None
