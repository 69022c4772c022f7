"""The one catalogue of what rotativa says to editors, in Italian and English.

Every message names what is wrong and what would be accepted. Templates use
`str.format` fields; `{field}` is always available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

Language = Literal["it", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

CATALOGUE: dict[str, dict[Language, str]] = {
    # --- the file as a whole -------------------------------------------------------------
    "file_empty": {
        "it": "il file è vuoto: servono almeno un titolo (title) e una sezione (section)",
        "en": "the file is empty: at least a title and a section are needed",
    },
    "file_too_large": {
        "it": "il file supera il limite di {limit}: dividi l'articolo o togli il testo superfluo",
        "en": "the file exceeds the {limit} limit: split the article or trim it",
    },
    "file_binary": {
        "it": "il file non è testo (contiene byte nulli): carica un articolo Markdown (.md) "
        "o JSON (.json) salvato come testo UTF-8",
        "en": "the file is not text (it contains NUL bytes): upload a Markdown (.md) or JSON "
        "(.json) article saved as UTF-8 text",
    },
    "file_utf16": {
        "it": "il file è salvato in UTF-16: salvalo di nuovo come testo UTF-8",
        "en": "the file is saved as UTF-16: save it again as UTF-8 text",
    },
    "file_encoding": {
        "it": "il testo non è UTF-8 valido (byte 0x{byte}): salva il file con codifica UTF-8",
        "en": "the text is not valid UTF-8 (byte 0x{byte}): save the file as UTF-8",
    },
    "file_extension": {
        "it": "il tipo di file '{extension}' non è un articolo: usa .md (Markdown) o .json",
        "en": "'{extension}' files are not articles: use .md (Markdown) or .json",
    },
    "frontmatter_missing": {
        "it": "manca il front matter: la prima riga deve essere '---', seguita dai campi "
        "(title: …, section: …) e da un'altra riga '---' prima del testo",
        "en": "front matter missing: the first line must be '---', followed by the fields "
        "(title: …, section: …) and another '---' line before the text",
    },
    "frontmatter_unclosed": {
        "it": "il front matter aperto alla riga 1 non è chiuso: aggiungi una riga '---' "
        "dopo l'ultimo campo",
        "en": "the front matter opened on line 1 is never closed: add a '---' line after "
        "the last field",
    },
    "frontmatter_not_mapping": {
        "it": "il front matter deve essere un elenco di campi 'nome: valore', non {kind}",
        "en": "the front matter must be a list of 'name: value' fields, not {kind}",
    },
    "yaml_syntax": {
        "it": "front matter YAML non valido ({detail}): controlla i due punti dopo il nome "
        "del campo e metti tra virgolette i testi che contengono ':' o '#'",
        "en": "invalid YAML front matter ({detail}): check the colon after each field name "
        "and quote text containing ':' or '#'",
    },
    "yaml_tag": {
        "it": "il tag YAML '{tag}' non è permesso: usa solo testo, numeri, true/false, "
        "elenchi e campi semplici",
        "en": "the YAML tag '{tag}' is not allowed: use only text, numbers, true/false, "
        "lists and plain fields",
    },
    "yaml_alias_limit": {
        "it": "troppi alias YAML (*nome): al massimo {limit}; scrivi i valori per esteso",
        "en": "too many YAML aliases (*name): at most {limit}; write the values out",
    },
    "yaml_too_large": {
        "it": "il front matter si espande in più di {limit} valori: semplificalo",
        "en": "the front matter expands to more than {limit} values: simplify it",
    },
    "too_deep": {
        "it": "i campi sono annidati oltre {limit} livelli: usa campi semplici",
        "en": "the fields are nested deeper than {limit} levels: use plain fields",
    },
    "duplicate_key": {
        "it": "il campo '{key}' compare più volte (la prima alla riga {first_line}): "
        "tienine uno solo",
        "en": "the field '{key}' appears more than once (first on line {first_line}): "
        "keep only one",
    },
    "number_too_large": {
        "it": "un numero nel file è troppo grande: scrivilo tra virgolette se è un testo",
        "en": "a number in the file is too large: quote it if it is text",
    },
    "json_syntax": {
        "it": "JSON non valido ({detail}): controlla virgole, virgolette e parentesi",
        "en": "invalid JSON ({detail}): check commas, quotes and brackets",
    },
    "json_not_object": {
        "it": 'il file JSON deve contenere un oggetto {{"title": …, "section": …, '
        '"body": …}}, non {kind}',
        "en": 'the JSON file must hold an object {{"title": …, "section": …, '
        '"body": …}}, not {kind}',
    },
    "unknown_field": {
        "it": "il campo '{field}' non esiste e viene ignorato{hint}; campi validi: {accepted}",
        "en": "the field '{field}' does not exist and is ignored{hint}; valid fields: {accepted}",
    },
    "unknown_field_hint": {
        "it": " (forse '{suggestion}'?)",
        "en": " (did you mean '{suggestion}'?)",
    },
    # --- fields --------------------------------------------------------------------------
    "missing": {
        "it": "manca il campo obbligatorio '{field}': aggiungi una riga '{field}: …' ({expected})",
        "en": "the required field '{field}' is missing: add a line '{field}: …' ({expected})",
    },
    "blank": {
        "it": "'{field}' è vuoto: scrivi {expected}",
        "en": "'{field}' is blank: write {expected}",
    },
    "expected_text": {
        "it": "'{field}' deve essere un testo, non {kind}",
        "en": "'{field}' must be text, not {kind}",
    },
    "expected_list": {
        "it": "'{field}' deve essere un elenco, ad esempio [Uno, Due], non {kind}",
        "en": "'{field}' must be a list, for example [One, Two], not {kind}",
    },
    "expected_mapping": {
        "it": "'{field}' deve avere i campi {accepted}, non essere {kind}",
        "en": "'{field}' must have the fields {accepted}, not be {kind}",
    },
    "expected_bool": {
        "it": "'{field}' deve essere true o false, non {value}",
        "en": "'{field}' must be true or false, not {value}",
    },
    "too_long": {
        "it": "'{field}' è troppo lungo: {actual} caratteri, al massimo {limit}",
        "en": "'{field}' is too long: {actual} characters, at most {limit}",
    },
    "too_many": {
        "it": "'{field}' ha troppi elementi: {actual}, al massimo {limit}",
        "en": "'{field}' has too many items: {actual}, at most {limit}",
    },
    "invalid": {
        "it": "'{field}' non è valido: {detail}",
        "en": "'{field}' is not valid: {detail}",
    },
    "control_characters": {
        "it": "'{field}' contiene caratteri di controllo invisibili: riscrivilo senza "
        "copiarlo da un altro programma",
        "en": "'{field}' contains invisible control characters: retype it rather than pasting it",
    },
    "date_invalid": {
        "it": "'{field}': '{value}' non è una data valida; usa il formato ISO 8601, ad "
        "esempio 2024-05-01 o 2024-05-01T09:30 (ora italiana) o 2024-05-01T09:30+02:00",
        "en": "'{field}': '{value}' is not a valid date; use ISO 8601, for example "
        "2024-05-01 or 2024-05-01T09:30 (site time) or 2024-05-01T09:30+02:00",
    },
    "date_out_of_range": {
        "it": "'{field}': la data {value} è fuori dall'intervallo ammesso, dal {min} al {max}",
        "en": "'{field}': the date {value} is outside the accepted range, {min} to {max}",
    },
    "expiry_before_publication": {
        "it": "'expires_at' ({value}) deve venire dopo la pubblicazione ({other})",
        "en": "'expires_at' ({value}) must come after publication ({other})",
    },
    "slug_invalid": {
        "it": "'{field}': '{value}' non è uno slug valido; usa solo lettere minuscole senza "
        "accenti, cifre e trattini, da 1 a {limit} caratteri (ad esempio '{suggestion}')",
        "en": "'{field}': '{value}' is not a valid slug; use only lower-case letters without "
        "accents, digits and hyphens, 1 to {limit} characters (for example '{suggestion}')",
    },
    "slug_from_filename": {
        "it": "dal nome del file '{value}' non si ricava uno slug: rinomina il file con "
        "lettere e cifre o aggiungi 'slug: …' (lettere minuscole, cifre e trattini)",
        "en": "no slug can be made from the file name '{value}': rename the file with "
        "letters and digits or add 'slug: …' (lower-case letters, digits and hyphens)",
    },
    "name_without_letters": {
        "it": "'{field}': '{value}' non contiene lettere o cifre, quindi non ha un indirizzo "
        "nel sito; scrivi un nome vero",
        "en": "'{field}': '{value}' has no letters or digits, so it cannot have an address "
        "on the site; write a real name",
    },
    "section_unknown": {
        "it": "la sezione '{value}' non esiste: le sezioni del sito sono {accepted}",
        "en": "the section '{value}' does not exist: the site's sections are {accepted}",
    },
    "choice_invalid": {
        "it": "'{field}' non può essere {value}: valori ammessi {accepted}",
        "en": "'{field}' cannot be {value}: accepted values {accepted}",
    },
    "image_alt_missing": {
        "it": "l'immagine ha bisogno di un testo alternativo: aggiungi 'alt: …' sotto "
        "'image' descrivendo cosa mostra, per chi non la vede",
        "en": "the image needs alternative text: add 'alt: …' under 'image' describing "
        "what it shows, for readers who cannot see it",
    },
    "url_invalid": {
        "it": "'{field}': l'indirizzo '{value}' non è permesso; usa http://, https://, "
        "mailto: o un percorso del sito come media/foto.jpg",
        "en": "'{field}': the address '{value}' is not allowed; use http://, https://, "
        "mailto: or a site path such as media/photo.jpg",
    },
    "alias_invalid": {
        "it": "'{field}': '{value}' non è un vecchio indirizzo del sito; scrivi un percorso "
        "che inizia con '/', ad esempio /2017/11/vecchio-articolo/",
        "en": "'{field}': '{value}' is not an old address of the site; write a path "
        "starting with '/', for example /2017/11/old-article/",
    },
    "body_too_large": {
        "it": "il testo dell'articolo è di {actual}, oltre il limite di {limit}: "
        "dividilo in più articoli",
        "en": "the article text is {actual}, over the {limit} limit: split it into "
        "several articles",
    },
    "body_empty": {
        "it": "l'articolo non ha testo dopo il front matter",
        "en": "the article has no text after the front matter",
    },
    "tag_duplicate": {
        "it": "il tag '{value}' è ripetuto (come '{other}'): viene tenuto una volta sola",
        "en": "the tag '{value}' is repeated (as '{other}'): it is kept once",
    },
    "summary_empty": {
        "it": "non c'è un sommario e il primo paragrafo è vuoto: aggiungi 'summary: …'",
        "en": "there is no summary and the first paragraph is empty: add 'summary: …'",
    },
    "slug_taken": {
        "it": "l'indirizzo {path} è già usato da {owner}: scegli un altro slug con 'slug: …' "
        "o un'altra sezione",
        "en": "the address {path} is already used by {owner}: choose another slug with "
        "'slug: …' or another section",
    },
    "image_missing": {
        "it": "l'immagine '{value}' non è stata caricata: caricala in media/ o correggi "
        "'image.src'",
        "en": "the image '{value}' has not been uploaded: upload it under media/ or fix "
        "'image.src'",
    },
    # --- body ----------------------------------------------------------------------------
    "shortcode_unknown": {
        "it": "lo shortcode [{name}] non è conosciuto e resta nel testo così com'è; "
        "shortcode disponibili: {accepted}",
        "en": "the shortcode [{name}] is unknown and stays in the text as written; "
        "available shortcodes: {accepted}",
    },
    "shortcode_unclosed": {
        "it": "lo shortcode [{name}] non ha contenuto: chiudilo con [/{name}] dopo il testo",
        "en": "the shortcode [{name}] has no content: close it with [/{name}] after the text",
    },
    "shortcode_stray_close": {
        "it": "[/{name}] chiude uno shortcode che non è stato aperto: togli [/{name}] o "
        "aggiungi [{name} …] prima del testo",
        "en": "[/{name}] closes a shortcode that was never opened: remove [/{name}] or add "
        "[{name} …] before the text",
    },
    "textmarker_color": {
        "it": "il colore '{value}' di [textmarker] non è valido: usa un colore esadecimale "
        "come E63631 o #E63631",
        "en": "the [textmarker] colour '{value}' is not valid: use a hex colour such as "
        "E63631 or #E63631",
    },
    "textmarker_color_missing": {
        "it": '[textmarker] senza colore: scrivi ad esempio [textmarker color="E63631"]',
        "en": '[textmarker] without a colour: write for example [textmarker color="E63631"]',
    },
    "caption_without_image": {
        "it": "[caption] deve contenere un'immagine seguita dalla didascalia",
        "en": "[caption] must contain an image followed by its caption",
    },
    "html_removed": {
        "it": "HTML non permesso rimosso dal testo: {value}; usa la formattazione Markdown",
        "en": "disallowed HTML removed from the text: {value}; use Markdown formatting",
    },
    "link_removed": {
        "it": "il collegamento '{value}' è stato tolto: sono ammessi solo http://, https://, "
        "mailto: e percorsi del sito",
        "en": "the link '{value}' was removed: only http://, https://, mailto: and site "
        "paths are allowed",
    },
    "body_image_alt_missing": {
        "it": "un'immagine nel testo non ha testo alternativo: scrivi ![descrizione](indirizzo)",
        "en": "an image in the text has no alternative text: write ![description](address)",
    },
    # --- what accepted values look like -------------------------------------------------
    "expect_title": {
        "it": "il titolo dell'articolo, da 1 a 200 caratteri",
        "en": "the headline, 1 to 200 characters",
    },
    "expect_section": {
        "it": "il nome della sezione, ad esempio Sesto San Giovanni",
        "en": "the section's name, for example Sesto San Giovanni",
    },
    "expect_text": {
        "it": "un testo",
        "en": "some text",
    },
    # --- kinds of YAML/JSON values ------------------------------------------------------
    "kind_list": {"it": "un elenco", "en": "a list"},
    "kind_mapping": {"it": "un insieme di campi", "en": "a set of fields"},
    "kind_number": {"it": "un numero", "en": "a number"},
    "kind_bool": {"it": "vero/falso", "en": "true/false"},
    "kind_null": {"it": "vuoto", "en": "empty"},
    "kind_text": {"it": "un testo", "en": "text"},
    "kind_other": {"it": "un valore di altro tipo", "en": "a value of another kind"},
    # --- rotativa check ------------------------------------------------------------------
    "check_summary": {
        "it": "{files} file controllati: {valid} validi, {invalid} non validi, {warnings} avvisi",
        "en": "{files} files checked: {valid} valid, {invalid} invalid, {warnings} warnings",
    },
    "check_no_files": {
        "it": "nessun articolo (.md o .json) trovato in {value}",
        "en": "no article (.md or .json) found in {value}",
    },
    "check_missing_path": {
        "it": "'{value}' non esiste",
        "en": "'{value}' does not exist",
    },
    "label_error": {"it": "errore", "en": "error"},
    "label_warning": {"it": "avviso", "en": "warning"},
}


@dataclass(frozen=True)
class Phrase:
    """A catalogue entry used as a parameter of another, rendered in the same language."""

    code: str


def render_message(code: str, language: Language = "it", /, **params: Any) -> str:
    """The message for `code` in `language`; unknown codes are a programming error."""
    plain = {name: value for name, value in params.items() if not isinstance(value, Phrase)}
    resolved = {
        name: render_message(value.code, language, **plain) if isinstance(value, Phrase) else value
        for name, value in params.items()
    }
    return CATALOGUE[code][language].format(**resolved)


def kind_of(value: object) -> Phrase:
    """How an editor would name the kind of a YAML/JSON value: 'un elenco', 'un numero'."""
    if isinstance(value, bool):
        code = "kind_bool"
    elif value is None:
        code = "kind_null"
    elif isinstance(value, (int, float)):
        code = "kind_number"
    elif isinstance(value, (list, tuple)):
        code = "kind_list"
    elif isinstance(value, dict):
        code = "kind_mapping"
    elif isinstance(value, str):
        code = "kind_text"
    else:
        code = "kind_other"
    return Phrase(code)
