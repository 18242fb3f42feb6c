"""Per-site rules from config.toml, site templates learned from the archive, `reextract`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archiver.cli import cli
from archiver.config import load_config
from archiver.errors import ConfigError
from tests.conftest import FixtureServer, Route

HTML = {"Content-Type": "text/html; charset=utf-8"}
TOWNS = ["Rennes", "Nantes", "Brest", "Quimper", "Vannes", "Lorient"]
SUBJECTS = [
    "la piscine municipale",
    "le marché couvert",
    "la ligne de bus",
    "la médiathèque",
    "le stade",
    "la halle aux grains",
]
PLEA = (
    "Cet article vous a plu ? Abonnez-vous à notre lettre quotidienne pour recevoir "
    "chaque matin le meilleur de l’actualité de votre région, gratuitement et sans publicité."
)
SIGNATURE = (
    "Notre rédaction vérifie chaque information auprès de plusieurs sources avant "
    "publication ; signalez-nous toute erreur par le formulaire de contact du journal."
)
TWICE = (
    "Le conseil municipal se réunira de nouveau le mois prochain pour examiner les "
    "dernières propositions des habitants et arrêter le calendrier définitif des travaux."
)


def story(i: int) -> list[str]:
    """Three paragraphs of a local news story, different for each page."""
    town, subject = TOWNS[i], SUBJECTS[i]
    return [
        f"À {town}, {subject} rouvrira ses portes au printemps après dix-huit mois de travaux "
        f"menés par la commune, qui a dû revoir deux fois son budget initial face à la hausse "
        f"des prix des matériaux et au retard pris par plusieurs entreprises.",
        f"Les habitants de {town} attendaient ce moment depuis longtemps : pendant la fermeture, "
        f"il fallait se rendre dans les communes voisines, parfois à plus de vingt kilomètres, "
        f"ce qui pénalisait surtout les familles et les personnes âgées.",
        f"Le maire de {town} promet que {subject} sera plus accessible qu’avant, avec des "
        f"horaires élargis le soir et le week-end, et une attention particulière portée aux "
        f"personnes en situation de handicap.",
    ]


def page(i: int) -> bytes:
    paragraphs = [*story(i), PLEA, SIGNATURE] + ([TWICE] if i in (0, 1) else [])
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{TOWNS[i]} : '
        f"{SUBJECTS[i]} rouvre – Le Courrier</title></head><body><header><a href='/'>"
        f"Le Courrier</a></header><main><article><h1>{TOWNS[i]} : {SUBJECTS[i]} rouvre"
        f"</h1>{body}</article></main><footer>© Le Courrier</footer></body></html>"
    ).encode()


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def text_of(db: Path, url: str) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("select text from articles where url = ?", [url]).fetchone()[0])


@pytest.fixture
def template_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n"
        "[extract]\ntemplate_min_pages = 4\nworkers = 0\n",
        encoding="utf-8",
    )
    return config


def test_site_templates_are_learned_and_stripped(
    server: FixtureServer, template_config: Path, tmp_path: Path
) -> None:
    """A paragraph on 4+ pages of a site is its template: stripped from the next pages, and
    from earlier ones by `reextract` (logged, no revision); one on 2 pages is kept."""
    db = tmp_path / "archive.db"
    for i in range(6):
        server.routes[f"/p{i}"] = Route(200, page(i), HTML)
    for i in range(4):
        assert (
            invoke("fetch", server.url(f"/p{i}"), "--config", template_config, "--db", db).exit_code
            == 0
        )
    assert PLEA in text_of(db, server.url("/p0"))
    invoke("fetch", server.url("/p4"), server.url("/p5"), "--config", template_config, "--db", db)
    for i in (4, 5):
        text = text_of(db, server.url(f"/p{i}"))
        assert PLEA not in text and SIGNATURE not in text
        assert text == "\n\n".join(story(i))
    with sqlite3.connect(db) as conn:
        evidence = conn.execute(
            "select pages, sample from templates where pages >= 4 order by sample"
        ).fetchall()
    assert [(n, sample[:20]) for n, sample in evidence] == [(6, PLEA[:20]), (6, SIGNATURE[:20])]

    result = invoke("reextract", "--config", template_config, "--db", db)
    assert result.exit_code == 0
    assert "6 articles re-extracted: 4 changed, 2 unchanged" in result.stderr
    assert text_of(db, server.url("/p0")) == "\n\n".join([*story(0), TWICE])
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from revisions").fetchone() == (0,)
        logged = conn.execute("select article_url, changed from reextractions").fetchall()
    assert len(logged) == 4 and all(
        json.loads(c) == ["content_hash", "text", "word_count"] for _, c in logged
    )
    again = invoke("reextract", "--site", "127.0.0.1", "--config", template_config, "--db", db)
    assert "6 articles re-extracted: 0 changed, 6 unchanged" in again.stderr


def test_site_rule_drops_and_narrows(server: FixtureServer, tmp_path: Path) -> None:
    """[[sites]] drop removes what the user names; body restricts extraction to one element."""
    first, second, third = story(0)
    offer = (
        "Découvrez notre offre d’abonnement numérique à un euro le premier mois, sans "
        "engagement, avec accès illimité à tous nos articles et à nos archives."
    )
    html = (
        f'<html lang="fr"><head><title>Rennes</title></head><body><main><article>'
        f"<h1>Rennes</h1><div id='chapo'><p>{first}</p><p>{second}</p></div>"
        f"<div id='suite'><p>{third}</p><p class='encart-offre'>{offer}</p></div>"
        f"</article></main></body></html>"
    )
    server.routes["/story"] = Route(200, html.encode(), HTML)
    db = tmp_path / "a.db"
    plain = tmp_path / "plain.toml"
    plain.write_text(
        "[fetch]\nper_host_delay = 0\nallow_private_addresses = true\n[extract]\nworkers = 0\n",
        encoding="utf-8",
    )
    invoke("fetch", server.url("/story"), "--config", plain, "--db", db)
    assert text_of(db, server.url("/story")) == "\n\n".join([first, second, third, offer])
    ruled = tmp_path / "ruled.toml"
    ruled.write_text(
        plain.read_text() + '[[sites]]\nhost = "127.0.0.1"\nbody = "#suite"\n'
        'drop = [".encart-offre"]\n',
        encoding="utf-8",
    )
    assert invoke("reextract", "--config", ruled, "--db", db).exit_code == 0
    assert text_of(db, server.url("/story")) == third


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[sites]]\nbody = "article"\n', "sites[0].host: missing"),
        ('[[sites]]\nhost = "a.test"\nbody = "a[["\n', "sites[0].body: expected a valid CSS"),
        ('[[sites]]\nhost = "a.test"\ndrop = ["ok", "b[["]\n', "sites[0].drop: not a valid CSS"),
        ('[[sites]]\nhost = "https://a.test/"\n', "sites[0].host: expected a host name"),
        ('[[sites]]\nhost = "a.test"\nkeep = "x"\n', "sites[0].keep: unknown key"),
    ],
)
def test_bad_site_rules(tmp_path: Path, text: str, message: str) -> None:
    """A wrong [[sites]] entry is one ConfigError naming the key."""
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(path, required=True)


def test_site_rule_lookup(tmp_path: Path) -> None:
    """A rule applies to its host with or without www."""
    path = tmp_path / "c.toml"
    path.write_text('[[sites]]\nhost = "www.journal.test"\ndrop = [".ad"]\n', encoding="utf-8")
    config = load_config(path, required=True)
    assert config.site_rule("https://journal.test/a") is config.sites[0]
    assert config.site_rule("https://other.test/a") is None
