"""The one catalogue of what the pages say to readers, in Italian and English.

Templates never hold a word of their own: they ask `labels["…"]` for every label, so a
second language is a second column here and nothing else. Dates are written the way the
seed page writes them (`Mer. 01 Mag. 2024`), in the site's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from rotativa.domain.messages import Language

PAGE_LABELS: dict[str, dict[Language, str]] = {
    "skip_link": {"it": "Vai al contenuto", "en": "Skip to content"},
    "home": {"it": "Home", "en": "Home"},
    "breadcrumb": {"it": "Percorso", "en": "Breadcrumb"},
    "sections_nav": {"it": "Sezioni", "en": "Sections"},
    "footer_nav": {"it": "Altri link", "en": "More links"},
    "related": {"it": "Articoli correlati", "en": "Related articles"},
    "byline": {"it": "di {names}", "en": "by {names}"},
    "and": {"it": "e", "en": "and"},
    "published_at": {"it": "Pubblicato il {date} alle {time}", "en": "Published {date} at {time}"},
    "updated_at": {"it": "Aggiornato il {date} alle {time}", "en": "Updated {date} at {time}"},
    "tags": {"it": "Tag", "en": "Tags"},
    "corrections": {"it": "Correzioni", "en": "Corrections"},
    "correction_at": {
        "it": "Correzione del {date} alle {time}",
        "en": "Correction of {date} at {time}",
    },
    "corrections_heading": {"it": "Correzioni", "en": "Corrections"},
    "corrections_description": {
        "it": "Le correzioni agli articoli di {site}, dalla più recente: cosa era sbagliato "
        "e quando è stato corretto.",
        "en": "The corrections to {site}'s articles, newest first: what was wrong and when "
        "it was put right.",
    },
    "corrections_intro": {
        "it": "Quando sbagliamo lo diciamo: ogni correzione resta visibile nell'articolo e "
        "in questa pagina, dalla più recente.",
        "en": "When we get something wrong we say so: every correction stays visible on its "
        "article and on this page, newest first.",
    },
    "no_corrections": {"it": "Nessuna correzione finora.", "en": "No corrections so far."},
    "live": {"it": "In diretta", "en": "Live"},
    "live_over": {"it": "Diretta conclusa", "en": "Live coverage ended"},
    "live_waiting": {
        "it": "La diretta è cominciata: i primi aggiornamenti arrivano a breve.",
        "en": "Live coverage has started: the first updates are on their way.",
    },
    "live_latest": {"it": "agg. {time}", "en": "updated {time}"},
    "update_link": {"it": "Link a questo aggiornamento", "en": "Link to this update"},
    "tag_heading": {"it": "Tag: {name}", "en": "Tag: {name}"},
    "author_heading": {"it": "Articoli di {name}", "en": "Articles by {name}"},
    "section_more": {"it": "Tutte le notizie di {name}", "en": "All the news from {name}"},
    "lead_story": {"it": "In primo piano", "en": "Top story"},
    "latest": {"it": "Ultime notizie", "en": "Latest news"},
    "no_articles": {"it": "Non ci sono ancora articoli.", "en": "No articles yet."},
    "pagination": {"it": "Paginazione", "en": "Pagination"},
    "page_n": {"it": "Pagina {n}", "en": "Page {n}"},
    "newer": {"it": "Articoli più recenti", "en": "Newer articles"},
    "older": {"it": "Articoli meno recenti", "en": "Older articles"},
    "feed": {"it": "Feed RSS", "en": "RSS feed"},
    "feed_of": {"it": "Feed RSS di {name}", "en": "RSS feed of {name}"},
    "sitemap": {"it": "Mappa del sito", "en": "Sitemap"},
    "not_found_title": {"it": "Pagina non trovata", "en": "Page not found"},
    "moved_title": {"it": "Pagina spostata", "en": "Page moved"},
    "moved_text": {
        "it": "Questa pagina ha un nuovo indirizzo.",
        "en": "This page has a new address.",
    },
    "moved_link": {"it": "Vai alla pagina", "en": "Go to the page"},
    "not_found_text": {
        "it": "La pagina che cerchi non esiste o è stata spostata. "
        "Controlla l'indirizzo, oppure riparti dalla prima pagina o da una sezione.",
        "en": "The page you are looking for does not exist or has moved. "
        "Check the address, or start again from the front page or a section.",
    },
    "search": {"it": "Cerca", "en": "Search"},
    "search_title": {"it": "Cerca nel sito", "en": "Search the site"},
    "search_description": {
        "it": "Cerca tra gli articoli di {name}.",
        "en": "Search the articles of {name}.",
    },
    "search_label": {"it": "Parole da cercare", "en": "Words to search for"},
    "search_sections": {"it": "Solo nella sezione", "en": "Only in the section"},
    "search_all_sections": {"it": "Tutte le sezioni", "en": "All sections"},
    "search_needs_js": {
        "it": "La ricerca richiede JavaScript, che questo browser non esegue. "
        "Puoi sfogliare gli articoli per sezione:",
        "en": "Search needs JavaScript, which this browser does not run. "
        "You can browse the articles by section:",
    },
    "search_results": {"it": "Risultati", "en": "Results"},
    "search_loading": {"it": "Ricerca in corso…", "en": "Searching…"},
    "search_none": {
        "it": "Nessun articolo trovato per «{query}».",
        "en": "No article found for “{query}”.",
    },
    "search_one": {
        "it": "Un articolo trovato per «{query}».",
        "en": "One article found for “{query}”.",
    },
    "search_many": {
        "it": "{count} articoli trovati per «{query}».",
        "en": "{count} articles found for “{query}”.",
    },
    "search_more": {"it": "Mostra altri risultati", "en": "Show more results"},
    "search_failed": {
        "it": "La ricerca non è disponibile in questo momento. Riprova più tardi.",
        "en": "Search is not available right now. Please try again later.",
    },
    "back_home": {"it": "Torna alla prima pagina", "en": "Back to the front page"},
    "home_description": {
        "it": "Le notizie di {name}: cronaca, politica, sport e cultura del territorio.",
        "en": "The news from {name}: local news, politics, sport and culture.",
    },
    "section_description": {
        "it": "Le ultime notizie di {name} su {site}.",
        "en": "The latest news from {name} on {site}.",
    },
    "tag_description": {
        "it": "Gli articoli di {site} con il tag {name}.",
        "en": "Articles on {site} tagged {name}.",
    },
    "author_description": {
        "it": "Gli articoli di {name} su {site}.",
        "en": "Articles by {name} on {site}.",
    },
    "feed_description": {
        "it": "Le ultime notizie di {name}.",
        "en": "The latest news from {name}.",
    },
    "page_title_paged": {"it": "{name} – pagina {n}", "en": "{name} – page {n}"},
    "rights": {
        "it": "{name} · Tutti i diritti riservati",
        "en": "{name} · All rights reserved",
    },
}

WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "it": ("Lun.", "Mar.", "Mer.", "Gio.", "Ven.", "Sab.", "Dom."),
    "en": ("Mon.", "Tue.", "Wed.", "Thu.", "Fri.", "Sat.", "Sun."),
}
MONTHS: dict[Language, tuple[str, ...]] = {
    "it": (
        "Gen.", "Feb.", "Mar.", "Apr.", "Mag.", "Giu.",
        "Lug.", "Ago.", "Set.", "Ott.", "Nov.", "Dic.",
    ),
    "en": (
        "Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.",
        "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.",
    ),
}  # fmt: skip


class Labels(Mapping[str, str]):
    """The page labels of one language, as templates read them: `labels["related"]`."""

    def __init__(self, language: Language) -> None:
        self.language: Language = language
        self._texts = {code: texts[language] for code, texts in PAGE_LABELS.items()}

    def __getitem__(self, code: str) -> str:
        return self._texts[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def format(self, code: str, /, **params: object) -> str:
        return self._texts[code].format(**params)

    def names(self, names: tuple[str, ...] | list[str]) -> str:
        """`Chiara Colombo e Marco Brambilla`; `A, B e C`."""
        return "".join(
            name + joint for name, joint in zip(names, self.joints(len(names)), strict=True)
        )

    def joints(self, count: int) -> list[str]:
        """What follows each of `count` names in a list: `, `, then ` e ` before the last,
        then nothing (`A, B e C`); the byline puts each name in a link of its own."""
        if count < 2:
            return [""] * count
        return [", "] * (count - 2) + [f" {self['and']} ", ""]


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` in the site's time zone; a naive moment is taken as already there."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def date_line(moment: datetime, zone: ZoneInfo, language: Language = "it") -> str:
    """The seed's date line: `Mer. 01 Mag. 2024` (weekday, two-digit day, month, year)."""
    local = local_time(moment, zone)
    weekday = WEEKDAYS[language][local.weekday()]
    month = MONTHS[language][local.month - 1]
    return f"{weekday} {local.day:02d} {month} {local.year}"


def short_date(moment: datetime, zone: ZoneInfo, language: Language = "it") -> str:
    """`01 Mag. 2024`: the date line without its weekday, for lists and boxes."""
    local = local_time(moment, zone)
    return f"{local.day:02d} {MONTHS[language][local.month - 1]} {local.year}"


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """`08:15`, in the site's time zone."""
    return local_time(moment, zone).strftime("%H:%M")


def iso(moment: datetime, zone: ZoneInfo) -> str:
    """`2024-05-01T08:15:00+02:00`: what `datetime` attributes, feeds and JSON-LD carry."""
    return local_time(moment, zone).replace(microsecond=0).isoformat()
