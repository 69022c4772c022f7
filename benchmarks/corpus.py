"""A deterministic corpus: N realistic articles of a regional news site, as uploads.

The same (n, seed, end) always gives the same articles, byte for byte: one seeded
`random.Random` drives every choice and nothing depends on hash order, the clock or the
file system beyond the sample articles the bodies are cut from.

What "realistic" means here, from the samples and a local newsroom's habits:
- sections with the site's weights (Sesto, the largest town, publishes most);
- 1-4 topic tags drawn with a Zipf-like skew (a few tags on many articles, a long tail),
  sport articles from sport tags, and a third of the articles with a place tag (a street
  or square) from a long tail of a few hundred;
- one author (sometimes two, sometimes "Redazione"), a picture on a quarter of them;
- about twelve articles a day, going back from `end` (10,000 articles ~ 28 months);
- bodies of 3-7 blocks (paragraphs, lists, quotes, a heading now and then) cut from the
  sample articles, opening with the `[textmarker]` dateline of the section's town, as
  the seed article does; a few pinned related slugs and one pinned lead story.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from rotativa.domain.slugs import slugify

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "articles"
ROME = ZoneInfo("Europe/Rome")
DEFAULT_SEED = 20240501
#: the newest article of a deterministic corpus (bytes identical from run to run)
FIXED_END = datetime(2024, 5, 1, 8, 0, tzinfo=ROME)

SECTIONS: tuple[tuple[str, str, float], ...] = (
    # name, town on the dateline, share of the articles
    ("Sesto San Giovanni", "SESTO SAN GIOVANNI", 0.30),
    ("Cinisello Balsamo", "CINISELLO BALSAMO", 0.22),
    ("Cologno Monzese", "COLOGNO MONZESE", 0.18),
    ("Bresso", "BRESSO", 0.12),
    ("Sport", "SESTO SAN GIOVANNI", 0.18),
)
TOPICS = (
    "Trasporti", "Lavori pubblici", "Scuola", "Sanità", "Ambiente", "Parchi", "Commercio",
    "Sicurezza", "Cultura", "Volontariato", "Città metropolitana", "Politica", "Cronaca",
    "Eventi", "Urbanistica", "Sociale", "Lavoro", "Casa", "Giovani", "Anziani",
    "Biblioteche", "Musica", "Teatro", "Mercati", "Metropolitana", "Metrotranvia",
    "Ciclabili", "Rifiuti", "Energia", "Polizia locale", "Vigili del fuoco", "Ospedale",
    "Farmacie", "Elezioni comunali", "Bilancio comunale", "Meteo", "Incidenti stradali",
    "Associazioni", "Sagre", "Storia locale",
)  # fmt: skip
SPORT_TOPICS = (
    "Calcio", "Pro Sesto", "Basket", "Pallavolo", "Atletica", "Ciclismo", "Nuoto", "Rugby",
    "Calcio giovanile", "Aurora Cinisello", "Tennis", "Podismo", "Ginnastica", "Serie D",
)  # fmt: skip
PLACE_KINDS = ("Via", "Piazza", "Viale", "Largo", "Parco")
PLACE_NAMES = (
    "Marelli", "Petazzi", "Gramsci", "Matteotti", "Cavallotti", "Garibaldi", "Mazzini",
    "Dante", "Carducci", "Leopardi", "Manzoni", "Verdi", "Puccini", "Rossini", "Volta",
    "Fogagnolo", "Breda", "Falck", "Campari", "Pirelli", "Trento", "Trieste", "Roma",
    "Milano", "Monza", "Risorgimento", "Libertà", "Repubblica", "Europa", "Vittoria",
    "Diaz", "Cadorna", "Buozzi", "Di Vittorio", "Casiraghi", "Rovani", "Saint Denis",
    "Partigiani", "Martiri", "Lombardia", "Cesare Battisti", "Oberdan", "Sauro", "Friuli",
    "Veneto", "Piemonte", "Toscana", "Umbria", "Marche", "Sicilia", "Sardegna", "Puglia",
    "Bergamo", "Brescia", "Como", "Lecco", "Varese", "Pavia", "Cremona", "Mantova",
    "Lodi", "Sondrio", "Adda", "Lambro", "Seveso", "Martesana", "Villoresi", "Ticino",
)  # fmt: skip
AUTHORS = (
    "Chiara Colombo", "Marco Brambilla", "Giulia Ferrario", "Stefano Pirovano",
    "Luca Galbiati", "Francesca Sala", "Paolo Riva", "Elena Mauri", "Davide Fumagalli",
    "Sara Villa", "Andrea Bianchi", "Martina Cattaneo", "Matteo Longoni", "Laura Radaelli",
    "Simone Perego", "Valentina Crippa", "Alessandro Meroni", "Federica Spinelli",
    "Roberto Vergani", "Silvia Locatelli",
)  # fmt: skip
SUBJECTS = (
    "Il Comune", "La giunta", "Il sindaco", "I residenti", "Le famiglie", "I commercianti",
    "La polizia locale", "Gli studenti", "I volontari", "L'assessore", "Il consiglio comunale",
    "I pendolari", "La Città metropolitana", "Le associazioni", "I genitori", "I tifosi",
)  # fmt: skip
ACTIONS = (
    "approva il progetto per", "chiede chiarezza su", "presenta il piano per",
    "annuncia i lavori in", "festeggia l'apertura di", "protesta contro la chiusura di",
    "raccoglie firme per", "inaugura", "rinvia il cantiere di", "investe due milioni in",
    "discute il futuro di", "riapre", "mette in sicurezza", "punta su",
)  # fmt: skip
OBJECTS = (
    "la nuova ciclabile", "la scuola media", "il mercato coperto", "la piazza del centro",
    "il parco", "la biblioteca civica", "la stazione", "il centro sportivo",
    "la casa di comunità", "il teatro", "l'ex area industriale", "i giardini pubblici",
    "il sottopasso", "la palestra", "il centro anziani", "la pista di atletica",
)  # fmt: skip
SPORT_TITLES = (
    "vince il derby", "pareggia in trasferta", "cade in casa", "conquista i playoff",
    "presenta il nuovo allenatore", "festeggia la promozione", "rinnova il settore giovanile",
    "chiude il girone d'andata in testa", "cerca punti salvezza", "ospita la capolista",
)  # fmt: skip
TEAMS = (
    "La Pro Sesto", "L'Aurora Cinisello", "Il Cologno calcio", "La Bressese volley",
    "Il rugby Sesto", "La Pallavolo Cinisello", "L'Atletica Nordmilano", "Il basket Bresso",
)  # fmt: skip
HEADINGS = (
    "I tempi", "Le reazioni", "Cosa cambia", "I numeri", "Le prossime tappe",
    "Il commento", "Come partecipare", "La storia", "I costi", "Le date da ricordare",
)  # fmt: skip

_DATELINE = re.compile(r"^\[textmarker[^\]]*\][^\[]*\[/textmarker\]\s*[–-]\s*")


@dataclass(frozen=True)
class GeneratedArticle:
    """One article of the corpus: its upload key and fields, as an editor would write them."""

    key: str
    title: str
    section: str
    date: datetime
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    body: str
    image: dict[str, str] | None = None
    pinned: bool = False
    related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return Path(self.key).stem

    def upload(self) -> bytes:
        """The `articles/<name>.md` file an editor uploads (YAML front matter, Markdown)."""
        lines = [
            "---",
            f"title: {json.dumps(self.title, ensure_ascii=False)}",
            f"section: {self.section}",
            f"date: {self.date.strftime('%Y-%m-%dT%H:%M:%S')}",
            f"tags: [{', '.join(json.dumps(t, ensure_ascii=False) for t in self.tags)}]",
            f"authors: [{', '.join(self.authors)}]",
        ]
        if self.image is not None:
            lines.append("image:")
            lines.extend(
                f"  {name}: {json.dumps(value, ensure_ascii=False)}"
                for name, value in self.image.items()
            )
        if self.pinned:
            lines.append("pinned: true")
        if self.related:
            lines.append(f"related: [{', '.join(self.related)}]")
        lines.append("---")
        return ("\n".join(lines) + "\n" + self.body + "\n").encode()


def generate(
    n: int, *, seed: int = DEFAULT_SEED, end: datetime = FIXED_END
) -> list[GeneratedArticle]:
    """`n` articles, oldest first, the newest dated `end` (site time, to the second)."""
    rng = random.Random(seed)
    blocks, headings = _sample_blocks()
    places = [f"{kind} {name}" for name in PLACE_NAMES for kind in PLACE_KINDS]
    rng.shuffle(places)
    moments = list(_moments(rng, n, end.astimezone(ROME)))
    articles: list[GeneratedArticle] = []
    for index, moment in enumerate(reversed(moments)):
        articles.append(_article(rng, index, moment, blocks, headings, places, articles))
    if n >= 10:  # the lead story of the homepage: a recent article, pinned
        lead = n - 5
        articles[lead] = _replace_pinned(articles[lead])
    return articles


def _moments(rng: random.Random, n: int, end: datetime) -> Iterator[datetime]:
    """Newest first: about twelve a day, between 6:00 and 23:00."""
    moment = end.replace(microsecond=0)
    for _ in range(n):
        yield moment
        moment -= timedelta(minutes=rng.randint(20, 220))
        if moment.hour < 6:
            moment = moment.replace(hour=23, minute=rng.randint(0, 59)) - timedelta(days=1)


def _article(
    rng: random.Random,
    index: int,
    moment: datetime,
    blocks: Sequence[str],
    headings: Sequence[str],
    places: Sequence[str],
    earlier: Sequence[GeneratedArticle],
) -> GeneratedArticle:
    section, town, _ = rng.choices(SECTIONS, weights=[s[2] for s in SECTIONS])[0]
    is_sport = section == "Sport"
    topics = SPORT_TOPICS if is_sport else TOPICS
    wanted = rng.choices((1, 2, 3, 4), weights=(25, 40, 25, 10))[0]
    tags: dict[str, None] = {}
    while len(tags) < wanted:
        tags.setdefault(_zipf(rng, topics))
    if rng.random() < 0.33:
        tags.setdefault(_zipf(rng, places, exponent=0.6))
    if is_sport:
        title = f"{rng.choice(TEAMS)} {rng.choice(SPORT_TITLES)}"
    else:
        title = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
    title = f"{town.title()}, {title[0].lower()}{title[1:]}" if rng.random() < 0.3 else title
    authors = (
        ("Redazione",)
        if rng.random() < 0.05
        else tuple(dict.fromkeys(rng.choices(AUTHORS, k=2 if rng.random() < 0.1 else 1)))
    )
    slug = f"{slugify(title)[:80].rstrip('-')}-{index + 1}"
    image = None
    if rng.random() < 0.25:
        image = {
            "src": f"media/foto-{index + 1}.jpg",
            "alt": f"{next(iter(tags))}: {title}"[:300],
            "caption": rng.choice(headings),
        }
    related: tuple[str, ...] = ()
    same_section = [a for a in earlier[-60:] if a.section == section]
    if same_section and rng.random() < 0.03:
        related = (rng.choice(same_section).slug,)
    return GeneratedArticle(
        key=f"articles/{slugify(section)}/{slug}.md",
        title=title,
        section=section,
        date=moment,
        tags=tuple(tags),
        authors=authors,
        body=_body(rng, town, blocks, headings),
        image=image,
        related=related,
    )


def _zipf(rng: random.Random, names: Sequence[str], exponent: float = 1.0) -> str:
    weights = _zipf_weights(len(names), exponent)
    return names[rng.choices(range(len(names)), cum_weights=weights)[0]]


@cache
def _zipf_weights(size: int, exponent: float) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, size + 1):
        total += 1 / rank**exponent
        cumulative.append(total)
    return cumulative


def _body(rng: random.Random, town: str, blocks: Sequence[str], headings: Sequence[str]) -> str:
    count = rng.randint(3, 7)
    chosen = [blocks[rng.randrange(len(blocks))] for _ in range(count)]
    # Paragraphs first: a list or a quote does not open an article.
    opening = next((b for b in chosen if not b.startswith(("-", ">", "1."))), blocks[0])
    rest = [b for b in chosen if b is not opening]
    if rest and rng.random() < 0.3:
        rest.insert(rng.randrange(len(rest)), f"## {rng.choice(headings)}")
    dateline = f"[textmarker color=”E63631″]{town}[/textmarker] – "
    return "\n\n".join([dateline + opening, *rest])


def _replace_pinned(article: GeneratedArticle) -> GeneratedArticle:
    return GeneratedArticle(**{**article.__dict__, "pinned": True})


@cache
def _sample_blocks() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sample articles' bodies cut into blocks (datelines taken off), and headings."""
    blocks: list[str] = []
    headings: set[str] = set(HEADINGS)
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix == ".json":
            body = str(json.loads(path.read_text(encoding="utf-8"))["body"])
        elif path.suffix == ".md":
            body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        else:
            continue
        for block in body.replace("\r\n", "\n").split("\n\n"):
            text = _DATELINE.sub("", block.strip())
            if text.startswith("#"):
                headings.add(text.lstrip("# ").strip())
            elif text and "[" not in text:  # other shortcodes and links stay in the samples
                blocks.append(text)
    return tuple(blocks), tuple(sorted(headings))
