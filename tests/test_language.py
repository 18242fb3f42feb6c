"""Language detection from the text, for pages that do not declare theirs."""

from __future__ import annotations

import pytest

from archiver.extraction import extract_article
from archiver.extraction.language import article_language, detect_language
from tests.conftest import PAGES

TEXTS = {
    "fr": "Le conseil municipal a voté mardi soir la création de trois nouvelles pistes "
    "cyclables dans le centre-ville, un projet attendu depuis des années par les associations.",
    "de": "Der Stadtrat hat am Dienstagabend beschlossen, drei neue Radwege in der Innenstadt "
    "anzulegen, ein Vorhaben, auf das die Verbände seit Jahren gewartet haben.",
    "en": "The city council voted on Tuesday night to create three new bike lanes downtown, "
    "a project that cycling groups had been waiting on for years.",
    "es": "El ayuntamiento aprobó el martes por la noche la creación de tres nuevos carriles "
    "para bicicletas en el centro, un proyecto que las asociaciones esperaban desde hace años.",
    "pl": "Rada miasta zdecydowała we wtorek wieczorem o budowie trzech nowych ścieżek "
    "rowerowych w centrum, na co stowarzyszenia czekały od wielu lat.",
    # CLD2 says "iw": the code is today's.
    "he": "מועצת העיר החליטה ביום שלישי בערב לסלול שלושה שבילי אופניים חדשים במרכז העיר, "
    "פרויקט שהעמותות חיכו לו שנים רבות ועכשיו הוא סוף סוף יוצא לדרך.",
    # Written without spaces between words: counted by characters.
    "th": "สภาเมืองลงมติเมื่อคืนวันอังคารให้สร้างทางจักรยานใหม่สามเส้นในใจกลางเมือง "
    "ซึ่งเป็นโครงการที่สมาคมต่างๆ รอคอยมาหลายปี",
    "ja": "市議会は火曜日の夜、市の中心部に三本の新しい自転車道を作ることを決めた。"
    "市民団体が何年も前から求めていた計画で、工事は来年の春に始まる予定である。",
}


@pytest.mark.parametrize(("code", "text"), sorted(TEXTS.items()))
def test_detects_the_language_of_a_paragraph(code: str, text: str) -> None:
    """A paragraph in one of eight languages and four scripts is recognized, by its ISO
    639-1 code."""
    assert detect_language(text) == code


GERMAN = " ".join([TEXTS["de"]] * 3)  # about 60 words
FRENCH = " ".join([TEXTS["fr"]] * 3)


def test_control_characters_and_broken_surrogates_do_not_stop_the_guess() -> None:
    """CLD2 refuses text that is not interchange-valid UTF-8; such characters (a page's
    stray controls, a lone surrogate from a bad decoding) are blanked before it reads."""
    text = TEXTS["en"].replace(" ", " \x00\x07\x85", 3) + " \ud800 " + TEXTS["en"]
    assert detect_language(text) == "en"


def test_a_text_in_two_languages_without_a_clear_majority_gives_no_guess() -> None:
    halves = " ".join([TEXTS["fr"], TEXTS["de"], TEXTS["fr"], TEXTS["de"]])
    assert detect_language(halves) is None
    assert detect_language(" ".join([halves, FRENCH, FRENCH])) == "fr"


@pytest.mark.parametrize("text", ["", "Accueil", "Breaking news: markets up", "市議会は火曜日の夜"])
def test_short_text_gives_no_guess(text: str) -> None:
    """A few words are not enough to tell a language."""
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("declared", "text", "language"),
    [
        ("en", GERMAN, "de"),  # a lang="en" template around a German story
        ("de", TEXTS["fr"], "de"),  # 27 words: too few to overrule the page
        ("fr", FRENCH, "fr"),  # the text agrees
        (None, TEXTS["de"], "de"),  # nothing declared: detected
        (
            "nb",
            " ".join(
                [
                    "Bystyret vedtok tirsdag kveld å bygge tre nye sykkelveier i sentrum,"
                    " et prosjekt som foreningene har ventet på i mange år."
                ]
                * 3
            ),
            "nb",
        ),
    ],
)
def test_declared_language_against_the_text(declared: str | None, text: str, language: str) -> None:
    """A long text in another language overrules the page; a short one or a close one does not."""
    assert article_language(declared, text) == language


def test_a_german_story_declared_english_is_german() -> None:
    """The extractor stores the text's language when the page's declaration contradicts it."""
    assert extract_article((PAGES / "meta-lang-de.html").read_bytes()).language == "de"


def test_a_french_story_declared_french_stays_french() -> None:
    """A declaration the text agrees with is kept."""
    assert extract_article((PAGES / "meta-headline-fr.html").read_bytes()).language == "fr"


def test_english_declared_on_english_text_needs_no_detector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The declared language's commonest words confirm it; the model is not consulted."""
    from archiver.extraction import language

    def fail(text: str) -> str:
        raise AssertionError("the detector was asked")

    monkeypatch.setattr(language, "detect_language", fail)
    english = " ".join([TEXTS["en"]] * 3)
    assert article_language("en", english) == "en"
    with pytest.raises(AssertionError):
        article_language("en", GERMAN)
