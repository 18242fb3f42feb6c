"""Headline titles: each rule of `extraction/titles.py` on a page where it fires and one where
it must not (small pages written for these tests, several languages)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from archiver.extraction import extract_article
from archiver.extraction.metadata import PageMetadata, read_metadata
from archiver.extraction.titles import is_headline_block


def page(head: str, body: str = "", url: str | None = None) -> PageMetadata:
    return read_metadata(
        LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>"), url
    )


SITE = "<meta property='og:site_name' content='{}'>"


# --------------------------------------------------------------------------- the site's slogan


def test_the_sites_name_and_its_slogan_are_cut() -> None:
    """ "Headline – Site | slogan": the site's name goes, and the slogan after it."""
    head = (
        "<title>Wie man Sauerteig ansetzt - Backstube Lenz | Frisches Brot seit 1952</title>"
        + SITE.format("Backstube Lenz")
    )
    assert page(head).title == "Wie man Sauerteig ansetzt"


def test_a_middle_part_that_is_not_the_site_is_kept() -> None:
    """Without the site's name in the middle, only the site's name at the end is cut."""
    head = "<title>Le port de Brest – bilan 2024 | Ouest Journal</title>" + SITE.format(
        "Ouest Journal"
    )
    assert page(head).title == "Le port de Brest – bilan 2024"


def test_a_site_name_first_then_the_headline_is_not_taken_for_a_slogan() -> None:
    """ "Site | Headline": the headline after the site's name stays."""
    head = "<title>Backstube Lenz | Roggenbrot mit Kümmel</title>" + SITE.format("Backstube Lenz")
    assert page(head).title == "Roggenbrot mit Kümmel"


# --------------------------------------------------------------------------- initials of the host


def test_a_name_the_host_spells_by_its_initials_is_cut() -> None:
    """On nwsa.gov, "National Water Safety Agency" is the site's name."""
    head = "<title>Flood alerts - Overview | National Water Safety Agency</title>"
    found = page(head, url="https://www.nwsa.gov/floods")
    assert found.title == "Flood alerts - Overview"


def test_initials_that_do_not_spell_the_host_are_kept() -> None:
    """The same title elsewhere keeps its last part: nothing shows it is the site."""
    head = "<title>Flood alerts – National Water Safety Agency</title>"
    found = page(head, url="https://www.example.org/floods")
    assert found.title == "Flood alerts – National Water Safety Agency"


# ------------------------------------------------------------------- spellings of one headline


def test_of_two_spellings_of_the_headline_the_plain_one_is_kept() -> None:
    """The h1 and <title> agree but for the apostrophe: the plain ASCII one is stored."""
    head = "<title>L'été des festivals en Bretagne | Ouest Journal</title>"
    found = page(head, "<h1>L’été des festivals en Bretagne</h1>")
    assert found.title == "L'été des festivals en Bretagne"


def test_a_typographic_apostrophe_no_source_spells_plainly_is_kept() -> None:
    head = "<title>L’été des festivals en Bretagne | Ouest Journal</title>"
    found = page(head, "<h1>L’été des festivals en Bretagne</h1>")
    assert found.title == "L’été des festivals en Bretagne"


def test_marks_that_are_not_text_are_dropped() -> None:
    """Bidi marks and icon-font glyphs (private use area) are not part of the headline."""
    head = "<title>\u202aGeschichte der Hanse\u202c - \u202aStadtarchiv\u202c</title>"
    found = page(head, "<h1>Geschichte der Hanse\uf0c1</h1>")
    assert found.title == "Geschichte der Hanse"


# --------------------------------------------------------------------------- a bar divides fields


def test_what_follows_a_vertical_bar_is_not_the_headline() -> None:
    """ "Headline | tagline": a bar is a divider between fields, not punctuation."""
    head = "<title>Los mejores hoteles de Lisboa | Guía 2025 con precios</title>"
    assert page(head).title == "Los mejores hoteles de Lisboa"


def test_a_dash_is_not_a_bar() -> None:
    """Prose uses dashes: the part after one stays when nothing shows it is the site."""
    head = "<title>Los mejores hoteles de Lisboa – guía 2025 con precios</title>"
    assert page(head).title == "Los mejores hoteles de Lisboa – guía 2025 con precios"


# --------------------------------------------------------------------------- headings in furniture


def test_the_only_h1_counts_even_in_a_widget_container() -> None:
    """Page builders wrap the headline in "widget" containers: when every h1 is in what looks
    like furniture, they are still the page's headings."""
    head = "<title>Ricette estive</title>"
    body = (
        "<div class='elementor-widget-container'><h1>Ricette estive: dieci piatti freddi</h1></div>"
    )
    assert page(head, body).title == "Ricette estive: dieci piatti freddi"


def test_an_h1_in_a_sidebar_yields_to_the_storys() -> None:
    head = "<title>Ricette estive</title>"
    body = (
        "<aside class='sidebar'><h1>Ricette più lette</h1></aside>"
        "<article><h1>Ricette estive: dieci piatti freddi</h1></article>"
    )
    assert page(head, body).title == "Ricette estive: dieci piatti freddi"


# --------------------------------------------------------------------------- a label before a colon


def og(title: str) -> str:
    return f"<meta property='og:title' content='{title}'>"


def test_a_label_before_a_colon_goes_when_og_title_gives_the_rest() -> None:
    """ "Stadtblog Kiel: Neue Fähre nach Oslo" with og:title "Neue Fähre nach Oslo"."""
    head = "<title>Stadtblog Kiel: Neue Fähre nach Oslo</title>" + og("Neue Fähre nach Oslo")
    assert page(head).title == "Neue Fähre nach Oslo"


def test_a_colon_inside_the_headline_stays() -> None:
    """No other source gives the part after the colon alone: it is the headline's."""
    head = "<title>Indexfonds: So legen Sie richtig an</title>" + og(
        "Indexfonds: So legen Sie richtig an"
    )
    assert page(head).title == "Indexfonds: So legen Sie richtig an"


def test_a_section_heading_does_not_cut_after_a_colon() -> None:
    """An h1 naming the section ("Wissenschaft") is not a reason to cut "…: Wissenschaft"."""
    head = "<title>Forscher züchten Haarfollikel im Labor : Wissenschaft</title>"
    assert (
        page(head, "<h1>Wissenschaft</h1>").title
        == "Forscher züchten Haarfollikel im Labor : Wissenschaft"
    )


# --------------------------------------------------------------------------- a label before the h1


def test_a_label_before_the_headline_in_the_h1_is_left_out() -> None:
    """The h1 "Thema: …" is <title>'s headline after a label: the headline is stored."""
    head = "<title>Wie teuer wird Strom 2026? | Energieforum</title>"
    found = page(head, "<h1>Thema: Wie teuer wird Strom 2026?</h1>")
    assert found.title == "Wie teuer wird Strom 2026?"


def test_words_after_a_shortened_title_stay_in_the_headline() -> None:
    """<title> cut short for search engines: the h1 that goes on is the whole headline."""
    head = "<title>Comment bien régler son écran et son clavier</title>"
    found = page(head, "<h1>Comment bien régler son écran et son clavier (liste)</h1>")
    assert found.title == "Comment bien régler son écran et son clavier (liste)"


# --------------------------------------------------------------------------- one end is the site's


def test_a_first_part_that_contains_the_sites_name_stays_when_the_last_is_the_site() -> None:
    """ "Nordwind Tarife – Strom und Gas | Nordwind": the name ends the title; the first part,
    which merely contains it, is the headline's."""
    head = "<title>Nordwind Tarife – Strom und Gas | Nordwind</title>" + SITE.format("Nordwind")
    assert page(head).title == "Nordwind Tarife – Strom und Gas"


def test_the_sites_name_first_is_still_cut() -> None:
    head = "<title>Nordwind – Strom und Gas im Vergleich</title>" + SITE.format("Nordwind")
    assert page(head).title == "Strom und Gas im Vergleich"


# --------------------------------------------------------------------------- og:title = the site


def test_an_og_title_that_is_the_sites_name_names_no_headline() -> None:
    """Away from the front page, og:title "Kodhus" (the site) does not make the title "Kodhus"."""
    head = (
        "<title>Populära kodförråd i dag · Kodhus</title>"
        "<meta property='og:title' content='Kodhus'>" + SITE.format("Kodhus")
    )
    assert page(head, url="https://kodhus.se/trending").title == "Populära kodförråd i dag"


def test_on_the_front_page_the_site_is_the_title() -> None:
    head = (
        "<title>Kodhus · Bygg programvara tillsammans</title>"
        "<meta property='og:title' content='Kodhus'>" + SITE.format("Kodhus")
    )
    assert page(head, url="https://kodhus.se/").title == "Kodhus"


# --------------------------------------------------------------------------- the headline block


def test_the_h1_with_its_label_is_not_repeated_in_the_text() -> None:
    """The h1 "Thema: …" is the headline (the title without its label), not a paragraph."""
    sentence = (
        "Die Netzbetreiber haben ihre Preise für das kommende Jahr veröffentlicht, und die "
        "Haushalte im Norden zahlen im Schnitt deutlich mehr als im Vorjahr. "
    )
    html = (
        "<html><head><title>Wie teuer wird Strom 2026? | Energieforum</title></head><body>"
        "<article><h1>Thema: Wie teuer wird Strom 2026?</h1>"
        + "".join(f"<p>{sentence * 3}</p>" for _ in range(4))
        + "</article></body></html>"
    )
    article = extract_article(html, "https://forum.example.de/t/1")
    assert article.title == "Wie teuer wird Strom 2026?"
    assert not article.text.startswith("Thema")


def test_a_lead_paragraph_that_quotes_the_headline_stays() -> None:
    title = "Wie teuer wird Strom 2026?"
    assert is_headline_block("Thema: Wie teuer wird Strom 2026?", title)
    assert is_headline_block("Wie teuer wird Strom 2026", title)
    lead = "Wie teuer wird Strom 2026? Das fragen sich viele Haushalte im Norden in diesen Tagen."
    assert not is_headline_block(lead, title)
