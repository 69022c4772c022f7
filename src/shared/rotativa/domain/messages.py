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
    "upload_outside": {
        "it": "'{value}' è fuori dalle cartelle che rotativa legge, e non viene pubblicato: "
        "gli articoli (.md, .json) vanno in articles/, le immagini e gli altri file in media/ "
        "(qui: {suggestion})",
        "en": "'{value}' is outside the folders rotativa reads, and is not published: articles "
        "(.md, .json) go under articles/, pictures and other files under media/ "
        "(here: {suggestion})",
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
    "body_too_complex": {
        "it": (
            "il testo ha troppi segni di formattazione (righe, parentesi, asterischi, "
            "barre) da qui in poi: semplificalo o dividi l'articolo"
        ),
        "en": (
            "the body has too much markup (lines, brackets, asterisks, bars) from here "
            "on: simplify it or split the article"
        ),
    },
    "frontmatter_too_large": {
        "it": (
            "il front matter supera {limit}: "
            "i campi di un articolo ci stanno ampiamente, sposta il testo nel corpo"
        ),
        "en": (
            "the front matter exceeds {limit}: "
            "an article's fields fit easily, move the text into the body"
        ),
    },
    "too_many_fields": {
        "it": (
            "troppi campi ({actual}): al massimo {limit}; i campi accettati sono quelli del README"
        ),
        "en": "too many fields ({actual}): at most {limit}; the accepted fields are the README's",
    },
    "number_invalid": {
        "it": (
            "{value} non è un numero che il sito possa usare: scrivilo tra virgolette se è un testo"
        ),
        "en": "{value} is not a number the site can use: quote it if it is text",
    },
    "json_too_large": {
        "it": "il file contiene più di {limit} valori: un articolo ne ha poche decine",
        "en": "the file holds more than {limit} values: an article has a few dozen",
    },
    "upload_unreadable": {
        "it": (
            "il file non si è potuto leggere ({detail}): "
            "controlla che sia un articolo Markdown o JSON valido"
        ),
        "en": (
            "the file could not be read ({detail}): "
            "check that it is a valid Markdown or JSON article"
        ),
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
    "names_with_commas": {
        "it": "'{field}' è un solo testo con delle virgole ('{value}'): per più nomi scrivi un "
        "elenco tra parentesi quadre, {field}: [{suggestion}]",
        "en": "'{field}' is one text with commas in it ('{value}'): for several names write a "
        "list in square brackets, {field}: [{suggestion}]",
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
    "alias_reserved": {
        "it": "'{field}': '{value}' è l'indirizzo di una pagina del sito ({path}): "
        "un vecchio indirizzo non può prenderne il posto; toglilo dagli aliases",
        "en": "'{field}': '{value}' is the address of one of the site's own pages "
        "({path}): an old address cannot take its place; remove it from aliases",
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
        "o un'altra sezione (se {owner} lascia l'indirizzo, questo articolo sarà pubblicato "
        "da solo)",
        "en": "the address {path} is already used by {owner}: choose another slug with "
        "'slug: …' or another section (if {owner} lets the address go, this article is "
        "published by itself)",
    },
    "alias_taken": {
        "it": "'{field}': il vecchio indirizzo {value} è già di {owner} e resta suo: "
        "toglilo dagli aliases o chiedi a chi gestisce {owner} di liberarlo",
        "en": "'{field}': the old address {value} already belongs to {owner} and stays "
        "with it: remove it from aliases or ask whoever edits {owner} to let it go",
    },
    "name_twin": {
        "it": "esiste anche {twin} con lo stesso nome: vale il file Markdown (.md) e questo "
        "non è pubblicato; cancella uno dei due (se {twin} viene cancellato, questo file "
        "è pubblicato da solo)",
        "en": "{twin} has the same name: the Markdown (.md) file wins and this one is not "
        "published; delete one of the two (if {twin} is deleted, this file is published "
        "by itself)",
    },
    # --- files under media/ (domain/media.py) ------------------------------------------
    "media_key_invalid": {
        "it": "il nome '{value}' non può essere pubblicato in media/ ({reason}): "
        "caricalo come {suggestion}",
        "en": "the name '{value}' cannot be published under media/ ({reason}): "
        "upload it as {suggestion}",
    },
    "media_reason_prefix": {"it": "non è sotto media/", "en": "it is not under media/"},
    "media_reason_length": {
        "it": "più di {length} caratteri",
        "en": "longer than {length} characters",
    },
    "media_reason_control": {"it": "caratteri di controllo", "en": "control characters"},
    "media_reason_backslash": {"it": "una barra rovesciata '\\'", "en": "a backslash '\\'"},
    "media_reason_percent": {
        "it": "una codifica '%' nel nome",
        "en": "a '%' encoding in the name",
    },
    "media_reason_segment": {
        "it": "una cartella vuota, '.' o '..'",
        "en": "an empty, '.' or '..' folder",
    },
    "media_reason_depth": {"it": "più di {depth} cartelle", "en": "more than {depth} folders"},
    "media_reason_name_length": {
        "it": "un nome di più di {name_length} caratteri",
        "en": "a name longer than {name_length} characters",
    },
    "media_reason_characters": {
        "it": "caratteri diversi da lettere senza accento, cifre, '-', '_' e '.', "
        "o un nome che comincia con '.'",
        "en": "characters other than unaccented letters, digits, '-', '_' and '.', "
        "or a name starting with '.'",
    },
    "media_reason_extension": {
        "it": "l'estensione non è di un tipo pubblicabile ({accepted})",
        "en": "the extension is not one of a published type ({accepted})",
    },
    "media_empty": {"it": "il file è vuoto", "en": "the file is empty"},
    "media_too_large": {
        "it": "il file supera il limite di {limit} per media/",
        "en": "the file exceeds the {limit} limit for media/",
    },
    "media_active": {
        "it": "il contenuto è {detected}, che un browser può eseguire: in media/ si "
        "pubblicano solo immagini, PDF, audio e video ({accepted})",
        "en": "the content is {detected}, which a browser can run: media/ publishes only "
        "pictures, PDF, audio and video ({accepted})",
    },
    "media_unsupported": {
        "it": "il file è {detected}, un formato che il sito non pubblica: convertilo in "
        "uno di questi ({accepted})",
        "en": "the file is {detected}, a format the site does not publish: convert it to "
        "one of these ({accepted})",
    },
    "media_unrecognised": {
        "it": "il contenuto del file non è di un formato riconosciuto ({accepted})",
        "en": "the file's content is not of a recognised format ({accepted})",
    },
    "media_type_mismatch": {
        "it": "il nome dice {claimed} ma il file è {actual}: rinominalo con l'estensione "
        "{extension} o carica il file giusto",
        "en": "the name says {claimed} but the file is {actual}: rename it with the "
        "{extension} extension or upload the right file",
    },
    "media_type_corrected": {
        "it": "il nome dice {claimed} ma il file è {actual}: pubblicato come {content_type}",
        "en": "the name says {claimed} but the file is {actual}: published as {content_type}",
    },
    # --- pictures: the variants made from a photo (domain/pictures.py) -------------------
    "picture_too_large": {
        "it": "l'immagine dichiara {size} pixel, oltre il limite di {megapixels} megapixel "
        "e {side} pixel per lato: riducila prima di caricarla",
        "en": "the picture declares {size} pixels, beyond the limit of {megapixels} "
        "megapixels and {side} pixels a side: scale it down before uploading",
    },
    "picture_over_decoder_limit": {
        "it": "l'immagine dichiara più di {megapixels} megapixel: riducila prima di caricarla",
        "en": "the picture declares more than {megapixels} megapixels: scale it down before "
        "uploading",
    },
    "picture_unreadable": {
        "it": "l'immagine {detected} è danneggiata o incompleta e non si può leggere: "
        "esportala di nuovo e ricaricala",
        "en": "the {detected} picture is damaged or incomplete and cannot be read: export "
        "it again and upload it anew",
    },
    "picture_not_a_picture": {
        "it": "il file è {detected}, non una foto: le varianti si fanno solo da JPEG, PNG, "
        "GIF, WebP e AVIF",
        "en": "the file is {detected}, not a photo: variants are made only from JPEG, PNG, "
        "GIF, WebP and AVIF",
    },
    "picture_first_frame": {
        "it": "l'immagine {detected} è animata ({frames} fotogrammi): il sito ne mostra solo "
        "il primo; per un'animazione carica un video MP4",
        "en": "the {detected} picture is animated ({frames} frames): the site shows its "
        "first frame only; for an animation upload an MP4 video",
    },
    "picture_crop_small": {
        "it": "il ritaglio {ratio} è largo solo {width} pixel (i motori di ricerca ne "
        "chiedono {wanted}): carica una foto più grande",
        "en": "the {ratio} crop is only {width} pixels wide (search engines ask for "
        "{wanted}): upload a larger photo",
    },
    "image_refused": {
        "it": "l'immagine '{value}' è stata rifiutata (il motivo è in reports/{value}.json): "
        "la pagina sarà senza immagine finché non carichi un file valido",
        "en": "the image '{value}' was refused (reports/{value}.json says why): the page "
        "shows no picture until a valid file is uploaded",
    },
    "image_missing": {
        "it": "l'immagine '{value}' non è stata caricata: caricala in media/ o correggi "
        "'image.src'",
        "en": "the image '{value}' has not been uploaded: upload it under media/ or fix "
        "'image.src'",
    },
    # --- the upload schema: documented fields, documented kinds, publishable text -------
    "storage_field": {
        "it": "il campo '{field}' lo scrive rotativa, non chi carica un articolo: toglilo; "
        "campi validi: {accepted}",
        "en": "the field '{field}' is written by rotativa, not by uploads: remove it; "
        "valid fields: {accepted}",
    },
    "expected_text_quoted": {
        "it": "'{field}' deve essere un testo, non {kind}: se intendi il testo, scrivilo tra "
        'virgolette ("{value}")',
        "en": "'{field}' must be text, not {kind}: if you mean the text, put it in quotes "
        '("{value}")',
    },
    "entry_not_mapping": {
        "it": "'{field}' deve avere i campi {accepted}, su righe sotto il suo trattino "
        "('- at: …'), non essere {kind}",
        "en": "'{field}' must have the fields {accepted}, on lines under its dash "
        "('- at: …'), not be {kind}",
    },
    "entry_field_unknown": {
        "it": "'{field}' non è un campo di questa voce: usa solo {accepted}",
        "en": "'{field}' is not a field of this entry: use only {accepted}",
    },
    "entry_field_missing": {
        "it": "alla voce {position} di '{list}' manca '{part}': aggiungi '{part}: …' "
        "sotto il suo trattino ({expected})",
        "en": "entry {position} of '{list}' has no '{part}': add '{part}: …' under its "
        "dash ({expected})",
    },
    "entry_before_date": {
        "it": "'{field}' ({value}) viene prima della data dell'articolo ({date}): una "
        "correzione o un aggiornamento segue sempre la notizia; controlla giorno e ora",
        "en": "'{field}' ({value}) comes before the article's date ({date}): a correction "
        "or an update always follows the story; check the day and the time",
    },
    "entry_in_future": {
        "it": "'{field}' ({value}) è nel futuro (ora sono le {now}; si accettano al massimo "
        "{tolerance} minuti di anticipo): scrivi l'ora in cui è successo",
        "en": "'{field}' ({value}) is in the future (it is {now} now; at most {tolerance} "
        "minutes ahead are accepted): write the time it happened",
    },
    "update_at_repeated": {
        "it": "l'aggiornamento {position} ha la stessa ora ({value}) dell'aggiornamento "
        "{other}: ogni aggiornamento ha la sua ora, che è anche il suo indirizzo nella pagina",
        "en": "update {position} has the same time ({value}) as update {other}: each update "
        "has its own time, which is also its address on the page",
    },
    "image_field_unknown": {
        "it": "'{field}' non è un campo dell'immagine: usa solo {accepted}",
        "en": "'{field}' is not a field of the image: use only {accepted}",
    },
    "image_focus_invalid": {
        "it": "'{field}' deve essere due numeri tra 0 e 1, il punto da tenere in ogni "
        "ritaglio (in orizzontale e in verticale, dall'angolo in alto a sinistra), ad "
        "esempio [0.5, 0.3]; non {value}",
        "en": "'{field}' must be two numbers between 0 and 1, the point every crop keeps "
        "(across and down, from the top-left corner), e.g. [0.5, 0.3]; not {value}",
    },
    "image_focus_out_of_range": {
        "it": "'{field}': {value} è fuori dall'immagine; ogni numero va da 0 (sinistra, "
        "in alto) a 1 (destra, in basso), ad esempio [0.5, 0.3]",
        "en": "'{field}': {value} is outside the picture; each number goes from 0 (left, "
        "top) to 1 (right, bottom), e.g. [0.5, 0.3]",
    },
    "character_invalid": {
        "it": "'{field}' contiene un carattere che una pagina web non può contenere ({char}): "
        "riscrivilo senza copiarlo da un altro programma",
        "en": "'{field}' contains a character a web page cannot carry ({char}): retype it "
        "rather than pasting it",
    },
    "frontmatter_character": {
        "it": "il front matter contiene un carattere di controllo invisibile ({char}): "
        "riscrivi la riga senza copiarla da un altro programma",
        "en": "the front matter contains an invisible control character ({char}): retype "
        "the line rather than pasting it",
    },
    "slug_reserved": {
        "it": "'{field}': '{value}' è il nome di una pagina del sito (sezioni, pagine, tag, "
        "autori, feed, sitemap, assets, media): scegli un altro slug, ad esempio '{suggestion}'",
        "en": "'{field}': '{value}' is the name of one of the site's own pages (sections, "
        "pages, tags, authors, feeds, sitemaps, assets, media): choose another slug, for "
        "example '{suggestion}'",
    },
    "slug_from_filename_reserved": {
        "it": "dal nome del file '{value}' viene lo slug '{slug}', che è il nome di una pagina "
        "del sito: rinomina il file o aggiungi 'slug: …', ad esempio 'slug: {suggestion}'",
        "en": "the file name '{value}' makes the slug '{slug}', which names one of the "
        "site's own pages: rename the file or add 'slug: …', for example 'slug: {suggestion}'",
    },
    "section_reserved": {
        "it": "la sezione '{value}' avrebbe l'indirizzo {path}, che è di pagine del sito: "
        "scegli un altro nome di sezione",
        "en": "the section '{value}' would have the address {path}, which belongs to the "
        "site's own pages: choose another section name",
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
    "expect_moment": {
        "it": "una data e un'ora, ad esempio 2024-05-02T21:10 (ora italiana)",
        "en": "a date and time, for example 2024-05-02T21:10 (site time)",
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
        "it": "{files}: {valid}, {invalid} e {warnings}",
        "en": "{files}: {valid}, {invalid} and {warnings}",
    },
    "check_files_one": {"it": "{count} file controllato", "en": "{count} file checked"},
    "check_files_many": {"it": "{count} file controllati", "en": "{count} files checked"},
    "check_valid_one": {"it": "{count} valido", "en": "{count} valid"},
    "check_valid_many": {"it": "{count} validi", "en": "{count} valid"},
    "check_invalid_one": {"it": "{count} non valido", "en": "{count} invalid"},
    "check_invalid_many": {"it": "{count} non validi", "en": "{count} invalid"},
    "check_warnings_one": {"it": "{count} avviso", "en": "{count} warning"},
    "check_warnings_many": {"it": "{count} avvisi", "en": "{count} warnings"},
    "check_no_files": {
        "it": "nessun articolo (.md o .json) trovato in {value}",
        "en": "no article (.md or .json) found in {value}",
    },
    "check_missing_path": {
        "it": "'{value}' non esiste",
        "en": "'{value}' does not exist",
    },
    "at_line": {"it": "riga {line}", "en": "line {line}"},
    "label_error": {"it": "errore", "en": "error"},
    "label_warning": {"it": "avviso", "en": "warning"},
    # --- rotativa preview ----------------------------------------------------------------
    "preview_written": {
        "it": "anteprima pronta: apri {index} (pagine: {pages}, immagini: {media})",
        "en": "preview ready: open {index} (pages: {pages}, images: {media})",
    },
    "preview_media_missing": {
        "it": "immagine non trovata: {path} (cercata in {folder})",
        "en": "image not found: {path} (looked for in {folder})",
    },
    "preview_invalid": {
        "it": "l'articolo non è valido: nessuna anteprima scritta",
        "en": "the article is not valid: no preview written",
    },
    # --- rotativa rebuild ----------------------------------------------------------------
    "rebuild_usage_source": {
        "it": "indica una cartella di contenuti, la tabella (--table) o lo stack "
        "(--stack, --endpoint-url)",
        "en": "name a content folder, the table (--table) or the stack (--stack, --endpoint-url)",
    },
    "rebuild_usage_target": {
        "it": "indica dove scrivere: --out, --bucket o --render-queue-url",
        "en": "name where to write: --out, --bucket or --render-queue-url",
    },
    "rebuild_usage_queue": {
        "it": "--render-queue-url legge la tabella: usala con --table, non con FOLDER",
        "en": "--render-queue-url reads the table: use it with --table, not a folder",
    },
    "rebuild_usage_site": {
        "it": "impostazioni del sito mancanti: --site site.yaml o le variabili SITE_*",
        "en": "no site settings: --site site.yaml or the SITE_* variables",
    },
    "rebuild_no_table": {
        "it": "lo stack non ha l'output {value}: indica la tabella con --table",
        "en": "the stack has no {value} output: name the table with --table",
    },
    "rebuild_skipped": {
        "it": "{path}: non valido, escluso dalla ricostruzione",
        "en": "{path}: invalid, left out of the rebuild",
    },
    "rebuild_pages": {"it": "pagine", "en": "pages"},
    "rebuild_no_ledger": {
        "it": "attenzione: pagine scritte senza il registro delle pagine; se il bucket è di "
        "uno stack, indicarne la tabella con --ledger-table, o le pagine riscritte qui "
        "potrebbero restare indietro",
        "en": "warning: pages written without the page ledger; if the bucket is a stack's, "
        "name its table with --ledger-table, or pages written here may be left stale",
    },
    "rebuild_done": {
        "it": "{pages} pagine in {seconds:.1f} s ({rate:.0f} pagine/s): "
        "{written} scritte, {removed} rimosse, {unchanged} invariate",
        "en": "{pages} pages in {seconds:.1f} s ({rate:.0f} pages/s): "
        "{written} written, {removed} removed, {unchanged} unchanged",
    },
    "rebuild_search": {
        "it": "indice di ricerca: {articles} articoli, {written} file scritti, {deleted} rimossi",
        "en": "search index: {articles} articles, {written} files written, {deleted} removed",
    },
    "rebuild_queued": {
        "it": "{pages} pagine inviate alla coda di rendering",
        "en": "{pages} pages sent to the render queue",
    },
    # === WordPress import (`rotativa import wordpress`) ==================================
    # The importer's own notes: why an item of the export was skipped, what was changed on
    # the way, the summary on the terminal. Catalogue code = "wp_" + the code written in
    # import-report.json (`slug_renamed` → "wp_slug_renamed"), so that they cannot collide
    # with the codes of the validation above, which the report also carries unprefixed.
    # `{value}`, `{other}` and `{field}` are always available (empty when not given).
    # --- why an item of the export did not become an article -----------------------------
    "wp_skip_page": {
        "it": "pagina, non un articolo: non importata",
        "en": "a page, not an article: not imported",
    },
    "wp_skip_attachment": {
        "it": "allegato: elencato in media-manifest.csv",
        "en": "an attachment: listed in media-manifest.csv",
    },
    "wp_skip_trash": {"it": "nel cestino", "en": "in the trash"},
    "wp_skip_auto_draft": {
        "it": "bozza automatica di WordPress, mai scritta",
        "en": "a WordPress auto-draft, never written",
    },
    "wp_skip_post_type": {
        "it": "contenuto di tipo '{value}': si importano solo gli articoli",
        "en": "content of type '{value}': only posts are imported",
    },
    "wp_skip_empty": {"it": "articolo senza testo", "en": "a post with no text"},
    # --- what changed on the way ---------------------------------------------------------
    "wp_slug_renamed": {
        "it": "l'indirizzo '{value}' è già usato da un altro articolo importato: "
        "salvato come '{other}'",
        "en": "the slug '{value}' is already taken by another imported post: saved as '{other}'",
    },
    "wp_section_unmapped": {
        "it": "nessuna categoria ({value}) corrisponde a una sezione del sito: scegli la "
        "sezione nel file o usa --default-section",
        "en": "no category ({value}) matches a section of the site: set the section in the "
        "file or use --default-section",
    },
    "wp_section_default": {
        "it": "nessuna categoria ({value}) corrisponde a una sezione: usata la sezione "
        "predefinita '{other}'",
        "en": "no category ({value}) matches a section: the default section '{other}' is used",
    },
    "wp_section_missing": {
        "it": "l'articolo non ha categorie: scegli la sezione nel file o usa --default-section",
        "en": "the post has no category: set the section in the file or use --default-section",
    },
    "wp_date_missing": {
        "it": "l'articolo pubblicato non ha una data valida: avrà la data di caricamento",
        "en": "the published post has no valid date: it will get the upload time",
    },
    "wp_date_from_gmt": {
        "it": "data locale mancante: usata la data GMT ({value}) convertita nell'ora del sito",
        "en": "local date missing: the GMT date ({value}) converted to the site's time is used",
    },
    "wp_alias_unusable": {
        "it": "il vecchio indirizzo '{value}' non può diventare un alias (serve un percorso "
        "come /2017/11/titolo/)",
        "en": "the old address '{value}' cannot become an alias (a path such as "
        "/2017/11/title/ is needed)",
    },
    "wp_status_unknown": {
        "it": "stato WordPress '{value}' sconosciuto: importato come bozza",
        "en": "unknown WordPress status '{value}': imported as a draft",
    },
    "wp_status_future": {
        "it": "articolo programmato: pubblicato automaticamente il {value} (publish_at)",
        "en": "scheduled post: published automatically on {value} (publish_at)",
    },
    "wp_password_protected": {
        "it": "articolo protetto da password in WordPress: importato come bozza",
        "en": "password-protected in WordPress: imported as a draft",
    },
    "wp_featured_missing": {
        "it": "l'immagine in evidenza (allegato {value}) non è nell'esportazione: "
        "articolo importato senza immagine",
        "en": "the featured image (attachment {value}) is not in the export: imported "
        "without an image",
    },
    "wp_featured_alt_from_title": {
        "it": "l'immagine in evidenza non ha testo alternativo: usato il titolo "
        "dell'allegato '{value}'; controllalo",
        "en": "the featured image has no alternative text: the attachment's title "
        "'{value}' is used; check it",
    },
    "wp_featured_no_alt": {
        "it": "l'immagine in evidenza ({value}) non ha né testo alternativo né titolo: "
        "articolo importato senza immagine",
        "en": "the featured image ({value}) has neither alternative text nor title: "
        "imported without an image",
    },
    "wp_title_missing": {
        "it": "l'articolo non ha titolo: usato l'inizio del testo, '{value}'",
        "en": "the post has no title: the start of its text is used, '{value}'",
    },
    "wp_shortened": {
        "it": "'{field}' troppo lungo: accorciato a {value} caratteri",
        "en": "'{field}' too long: shortened to {value} characters",
    },
    "wp_too_many": {
        "it": "troppi valori in '{field}': tenuti i primi {value}",
        "en": "too many values in '{field}': the first {value} are kept",
    },
    "wp_tag_dropped": {
        "it": "il tag '{value}' non ha lettere né cifre: non importato",
        "en": "the tag '{value}' has no letters or digits: not imported",
    },
    # --- what the HTML converter could not keep ------------------------------------------
    "wp_html_dropped": {
        "it": "HTML non convertibile tolto dal testo: {value}",
        "en": "HTML that cannot be converted removed from the text: {value}",
    },
    "wp_html_kept": {
        "it": "{value} lasciato in HTML nel testo (il Markdown non lo esprime): controllalo",
        "en": "{value} kept as HTML in the text (Markdown cannot express it): check it",
    },
    "wp_embed_as_link": {
        "it": "contenuto incorporato sostituito da un link: {value}",
        "en": "embedded content replaced by a link: {value}",
    },
    "wp_link_removed": {
        "it": "link non sicuro tolto (resta il testo): {value}",
        "en": "unsafe link removed (its text stays): {value}",
    },
    "wp_image_removed": {
        "it": "immagine senza indirizzo utilizzabile tolta: {value}",
        "en": "image without a usable address removed: {value}",
    },
    # --- the export as a whole -----------------------------------------------------------
    "wp_control_characters": {
        "it": "{value} caratteri di controllo non validi in XML tolti dall'esportazione",
        "en": "{value} control characters that XML forbids removed from the export",
    },
    "wp_stale_files": {
        "it": "file in articles/ che questa importazione non ha scritto (da un'importazione "
        "precedente?): {value}",
        "en": "files in articles/ this import did not write (from an earlier import?): {value}",
    },
    "wp_site_file_differs": {
        "it": "{value} esiste già ed è diverso dal site.yaml indicato: non sovrascritto",
        "en": "{value} already exists and differs from the given site.yaml: not overwritten",
    },
    # --- the summary on the terminal -----------------------------------------------------
    "wp_summary": {
        "it": "{source}: {converted} in {folder} ({published}, {drafts}), {skipped}, "
        "{warnings}, {invalid}",
        "en": "{source}: {converted} into {folder} ({published}, {drafts}), {skipped}, "
        "{warnings}, {invalid}",
    },
    "wp_converted_one": {"it": "{count} articolo importato", "en": "{count} post imported"},
    "wp_converted_many": {"it": "{count} articoli importati", "en": "{count} posts imported"},
    "wp_published_one": {"it": "{count} pubblicato", "en": "{count} published"},
    "wp_published_many": {"it": "{count} pubblicati", "en": "{count} published"},
    "wp_drafts_one": {"it": "{count} bozza", "en": "{count} draft"},
    "wp_drafts_many": {"it": "{count} bozze", "en": "{count} drafts"},
    "wp_skipped_items_one": {"it": "{count} elemento saltato", "en": "{count} item skipped"},
    "wp_skipped_items_many": {"it": "{count} elementi saltati", "en": "{count} items skipped"},
    "wp_summary_skipped": {"it": "saltati: {value}", "en": "skipped: {value}"},
    "wp_summary_media": {
        "it": "immagini e allegati da scaricare e caricare in media/: {value}, elencati in {other}",
        "en": "images and attachments to fetch and upload under media/: {value}, listed in {other}",
    },
    "wp_summary_report": {
        "it": "rapporto completo: {value}",
        "en": "full report: {value}",
    },
    "wp_progress_scan": {"it": "lettura", "en": "reading"},
    "wp_progress_convert": {"it": "conversione", "en": "converting"},
    # --- the summary's count of skipped items, by reason: one and many -------------------
    "wp_skipped_page_one": {"it": "{count} pagina", "en": "{count} page"},
    "wp_skipped_page_many": {"it": "{count} pagine", "en": "{count} pages"},
    "wp_skipped_attachment_one": {"it": "{count} allegato", "en": "{count} attachment"},
    "wp_skipped_attachment_many": {"it": "{count} allegati", "en": "{count} attachments"},
    "wp_skipped_trash_one": {"it": "{count} nel cestino", "en": "{count} in the trash"},
    "wp_skipped_trash_many": {"it": "{count} nel cestino", "en": "{count} in the trash"},
    "wp_skipped_auto_draft_one": {"it": "{count} bozza automatica", "en": "{count} auto-draft"},
    "wp_skipped_auto_draft_many": {"it": "{count} bozze automatiche", "en": "{count} auto-drafts"},
    "wp_skipped_post_type_one": {
        "it": "{count} altro tipo di contenuto",
        "en": "{count} other content type",
    },
    "wp_skipped_post_type_many": {
        "it": "{count} altri tipi di contenuto",
        "en": "{count} other content types",
    },
    "wp_skipped_empty_one": {"it": "{count} vuoto", "en": "{count} empty"},
    "wp_skipped_empty_many": {"it": "{count} vuoti", "en": "{count} empty"},
}


@dataclass(frozen=True)
class Phrase:
    """A catalogue entry used as a parameter of another, rendered in the same language."""

    code: str


@dataclass(frozen=True)
class Counted:
    """A number with the words that agree with it ("1 non valido", "2 non validi"): the
    catalogue holds `<code>_one` and `<code>_many`, each with `{count}`."""

    count: int
    code: str

    def render(self, language: Language) -> str:
        number = "one" if self.count == 1 else "many"
        return CATALOGUE[f"{self.code}_{number}"][language].format(count=self.count)


def render_message(code: str, language: Language = "it", /, **params: Any) -> str:
    """The message for `code` in `language`; unknown codes are a programming error."""
    plain = {
        name: value for name, value in params.items() if not isinstance(value, (Phrase, Counted))
    }
    resolved = {
        name: render_message(value.code, language, **plain)
        if isinstance(value, Phrase)
        else value.render(language)
        if isinstance(value, Counted)
        else value
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
