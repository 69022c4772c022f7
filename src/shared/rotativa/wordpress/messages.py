"""What the WordPress import says to editors, in Italian and English.

The import's own notes (why a post was skipped, what was changed on the way) live here;
problems found by rotativa's validation of the written files keep the project's
catalogue (`rotativa.domain.messages`), so an editor reads the same sentence the cloud
would write in a rejection report. The report stores codes and values next to the text.
"""

from __future__ import annotations

from typing import Any

from rotativa.domain.messages import Language

IMPORT_MESSAGES: dict[str, dict[Language, str]] = {
    # --- why an item of the export did not become an article -----------------------------
    "skip_page": {
        "it": "pagina, non un articolo: non importata",
        "en": "a page, not an article: not imported",
    },
    "skip_attachment": {
        "it": "allegato: elencato in media-manifest.csv",
        "en": "an attachment: listed in media-manifest.csv",
    },
    "skip_trash": {"it": "nel cestino", "en": "in the trash"},
    "skip_auto_draft": {
        "it": "bozza automatica di WordPress, mai scritta",
        "en": "a WordPress auto-draft, never written",
    },
    "skip_post_type": {
        "it": "contenuto di tipo '{value}': si importano solo gli articoli",
        "en": "content of type '{value}': only posts are imported",
    },
    "skip_empty": {"it": "articolo senza testo", "en": "a post with no text"},
    # --- what changed on the way ----------------------------------------------------------
    "slug_renamed": {
        "it": "l'indirizzo '{value}' è già usato da un altro articolo importato: "
        "salvato come '{other}'",
        "en": "the slug '{value}' is already taken by another imported post: saved as '{other}'",
    },
    "section_unmapped": {
        "it": "nessuna categoria ({value}) corrisponde a una sezione del sito: scegli la "
        "sezione nel file o usa --default-section",
        "en": "no category ({value}) matches a section of the site: set the section in the "
        "file or use --default-section",
    },
    "section_default": {
        "it": "nessuna categoria ({value}) corrisponde a una sezione: usata la sezione "
        "predefinita '{other}'",
        "en": "no category ({value}) matches a section: the default section '{other}' is used",
    },
    "section_missing": {
        "it": "l'articolo non ha categorie: scegli la sezione nel file o usa --default-section",
        "en": "the post has no category: set the section in the file or use --default-section",
    },
    "date_missing": {
        "it": "l'articolo pubblicato non ha una data valida: avrà la data di caricamento",
        "en": "the published post has no valid date: it will get the upload time",
    },
    "date_from_gmt": {
        "it": "data locale mancante: usata la data GMT ({value}) convertita nell'ora del sito",
        "en": "local date missing: the GMT date ({value}) converted to the site's time is used",
    },
    "alias_unusable": {
        "it": "il vecchio indirizzo '{value}' non può diventare un alias (serve un percorso "
        "come /2017/11/titolo/)",
        "en": "the old address '{value}' cannot become an alias (a path such as "
        "/2017/11/title/ is needed)",
    },
    "status_unknown": {
        "it": "stato WordPress '{value}' sconosciuto: importato come bozza",
        "en": "unknown WordPress status '{value}': imported as a draft",
    },
    "status_future": {
        "it": "articolo programmato: pubblicato automaticamente il {value} (publish_at)",
        "en": "scheduled post: published automatically on {value} (publish_at)",
    },
    "password_protected": {
        "it": "articolo protetto da password in WordPress: importato come bozza",
        "en": "password-protected in WordPress: imported as a draft",
    },
    "featured_missing": {
        "it": "l'immagine in evidenza (allegato {value}) non è nell'esportazione: "
        "articolo importato senza immagine",
        "en": "the featured image (attachment {value}) is not in the export: imported "
        "without an image",
    },
    "featured_alt_from_title": {
        "it": "l'immagine in evidenza non ha testo alternativo: usato il titolo "
        "dell'allegato '{value}'; controllalo",
        "en": "the featured image has no alternative text: the attachment's title "
        "'{value}' is used; check it",
    },
    "featured_no_alt": {
        "it": "l'immagine in evidenza ({value}) non ha né testo alternativo né titolo: "
        "articolo importato senza immagine",
        "en": "the featured image ({value}) has neither alternative text nor title: "
        "imported without an image",
    },
    "title_missing": {
        "it": "l'articolo non ha titolo: usato l'inizio del testo, '{value}'",
        "en": "the post has no title: the start of its text is used, '{value}'",
    },
    "shortened": {
        "it": "'{field}' troppo lungo: accorciato a {value} caratteri",
        "en": "'{field}' too long: shortened to {value} characters",
    },
    "too_many": {
        "it": "troppi valori in '{field}': tenuti i primi {value}",
        "en": "too many values in '{field}': the first {value} are kept",
    },
    "tag_dropped": {
        "it": "il tag '{value}' non ha lettere né cifre: non importato",
        "en": "the tag '{value}' has no letters or digits: not imported",
    },
    # --- what the HTML converter could not keep -------------------------------------------
    "html_dropped": {
        "it": "HTML non convertibile tolto dal testo: {value}",
        "en": "HTML that cannot be converted removed from the text: {value}",
    },
    "html_kept": {
        "it": "{value} lasciato in HTML nel testo (il Markdown non lo esprime): controllalo",
        "en": "{value} kept as HTML in the text (Markdown cannot express it): check it",
    },
    "embed_as_link": {
        "it": "contenuto incorporato sostituito da un link: {value}",
        "en": "embedded content replaced by a link: {value}",
    },
    "link_removed": {
        "it": "link non sicuro tolto (resta il testo): {value}",
        "en": "unsafe link removed (its text stays): {value}",
    },
    "image_removed": {
        "it": "immagine senza indirizzo utilizzabile tolta: {value}",
        "en": "image without a usable address removed: {value}",
    },
    # --- the export as a whole ------------------------------------------------------------
    "control_characters": {
        "it": "{value} caratteri di controllo non validi in XML tolti dall'esportazione",
        "en": "{value} control characters that XML forbids removed from the export",
    },
    "stale_files": {
        "it": "file in articles/ che questa importazione non ha scritto (da un'importazione "
        "precedente?): {value}",
        "en": "files in articles/ this import did not write (from an earlier import?): {value}",
    },
    "site_file_differs": {
        "it": "{value} esiste già ed è diverso dal site.yaml indicato: non sovrascritto",
        "en": "{value} already exists and differs from the given site.yaml: not overwritten",
    },
    # --- the summary on the terminal ------------------------------------------------------
    "summary": {
        "it": "{source}: {converted} articoli importati in {folder} ({published} pubblicati, "
        "{drafts} bozze), {skipped} elementi saltati, {warnings} avvisi, {invalid} non validi",
        "en": "{source}: {converted} posts imported into {folder} ({published} published, "
        "{drafts} drafts), {skipped} items skipped, {warnings} warnings, {invalid} invalid",
    },
    "summary_skipped": {"it": "saltati: {value}", "en": "skipped: {value}"},
    "summary_media": {
        "it": "immagini e allegati da scaricare e caricare in media/: {value}, elencati in {other}",
        "en": "images and attachments to fetch and upload under media/: {value}, listed in {other}",
    },
    "summary_report": {
        "it": "rapporto completo: {value}",
        "en": "full report: {value}",
    },
    "progress_scan": {"it": "lettura", "en": "reading"},
    "progress_convert": {"it": "conversione", "en": "converting"},
}

SKIP_LABELS: dict[str, dict[Language, tuple[str, str]]] = {
    # reason → (one, many), for the summary line
    "page": {"it": ("pagina", "pagine"), "en": ("page", "pages")},
    "attachment": {"it": ("allegato", "allegati"), "en": ("attachment", "attachments")},
    "trash": {"it": ("nel cestino", "nel cestino"), "en": ("in the trash", "in the trash")},
    "auto_draft": {
        "it": ("bozza automatica", "bozze automatiche"),
        "en": ("auto-draft", "auto-drafts"),
    },
    "post_type": {
        "it": ("altro tipo di contenuto", "altri tipi di contenuto"),
        "en": ("other content type", "other content types"),
    },
    "empty": {"it": ("vuoto", "vuoti"), "en": ("empty", "empty")},
}


def import_message(code: str, language: Language = "it", /, **params: Any) -> str:
    """The sentence for `code`; `value`, `other` and `field` are the usual parameters."""
    values = {"value": "", "other": "", "field": "", **params}
    return IMPORT_MESSAGES[code][language].format(**values)
