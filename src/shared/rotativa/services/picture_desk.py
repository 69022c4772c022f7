"""Pictures between the inbox, the site bucket and the articles that show them.

A photo under `media/` is published only as its variants (`services.pictures`), named
from its bytes and recipe, and recorded in the table (`picture#<key>`). An article shows
a picture through the refs stored with it (`StoredArticle.pictures`), so its pages are
rendered from the article item alone, and a picture's change reaches every page that
shows it the way any change does: as a new commit of each article that shows it, whose
stream record the IndexFunction turns into exactly the pages that changed.

Order does not matter, because each side leaves a mark before it looks at the other:

- an article, when ingested, records that it uses the picture (`use_picture`, with its
  focus) before it reads the picture's record; after its commit it looks again
  (`refresh`), so a record written meanwhile is not missed;
- a picture, when made, is recorded before its users are read, and each user is then
  re-committed with the new refs (`refresh`).

Whichever comes second sees the first. The crops are made around the centre and around
every focus an article asked for; an article that asks for a new focus of a picture
already made has its crops made at its ingest, once (a crop two articles share is one
file).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rotativa.domain.article import Article
from rotativa.domain.inbox import order_after
from rotativa.domain.markdown import render_body
from rotativa.domain.media import CACHE_CONTROL, MEDIA_MAX_BYTES, MediaHead
from rotativa.domain.pictures import (
    FOCUS_CENTRE,
    Focus,
    PictureRecord,
    PictureRef,
    body_pictures,
    media_key_of,
)
from rotativa.domain.problems import Problem
from rotativa.domain.records import ArticleState, CommitOutcome, StoredArticle

if TYPE_CHECKING:
    from rotativa.services.ports import ArticleLedger, MediaFiles, MediaSite, PictureShelf

#: Variants are named by their content: a browser and the CDN may keep them forever.
VARIANT_CACHE = "public, max-age=31536000, immutable"
ATTEMPTS = 5  # compare-and-swap rounds before giving up (the message is retried)


def pictures_shown(article: Article) -> dict[str, Focus]:
    """The media keys of the pictures `article` shows, each with the focus it asks for:
    the image's own for the hero, the centre for a picture in the body (which shows the
    widths only: the crops made at upload are the centre's anyway)."""
    shown: dict[str, Focus] = {}
    if article.image is not None and (key := media_key_of(article.image.src)) is not None:
        shown[key] = article.image.focus
    for key in _body_pictures(article.body):
        shown.setdefault(key, FOCUS_CENTRE)
    return shown


_REMEMBERED = 256  # bodies whose pictures are kept (one ingest asks several times)
_body_pictures_of: dict[str, tuple[str, ...]] = {}


def _body_pictures(body: str) -> tuple[str, ...]:
    """The media keys of the pictures a body shows, in order; remembered, as one ingest
    asks it of the same body several times (uses, forgetting, the refresh)."""
    found = _body_pictures_of.get(body)
    if found is None:
        found = remember_body(body, render_body(body).html)
    return found


def remember_body(body: str, html: str) -> tuple[str, ...]:
    """Keep the pictures of `body`, whose sanitised HTML is `html` (validation's, which
    ingest hands on: the body is not rendered a second time to find its pictures)."""
    found = body_pictures(html)
    if len(_body_pictures_of) >= _REMEMBERED:
        del _body_pictures_of[next(iter(_body_pictures_of))]  # the oldest
    _body_pictures_of[body] = found
    return found


@dataclass(frozen=True)
class Published:
    """What publishing one picture did: its record (None: refused) and the problems.
    `unchanged`: the version was made already (a retried event); its report, written
    then, stands, and `problems` is not known again."""

    record: PictureRecord | None
    problems: tuple[Problem, ...]
    unchanged: bool = False


class PictureDesk:
    def __init__(
        self,
        inbox: MediaFiles,
        site: MediaSite,
        shelf: PictureShelf,
        ledger: ArticleLedger,
        *,
        remember: bool = False,
    ) -> None:
        self.inbox = inbox
        self.site = site
        self.shelf = shelf
        self.ledger = ledger
        # The laptop's tools meet the same photos in every preview of a folder: they keep
        # the last few pictures made (`services.pictures.remembered_variants`).
        self.remember = remember

    # --- a picture uploaded, replaced or deleted --------------------------------------------

    def publish(self, key: str, found: MediaHead) -> Published:
        """Make the variants of inbox `key` at `found`'s version, for the centre and every
        focus its users ask for; record them; re-commit its users. A picture that cannot
        be made (a bomb, damaged bytes) leaves what is published as it was."""
        for _ in range(ATTEMPTS):
            before = self.shelf.picture(key)
            focuses = (FOCUS_CENTRE, *self.shelf.picture_users(key).values())
            wanted = tuple(dict.fromkeys(focuses))
            if (
                before is not None
                and before.version == found.version
                and set(wanted) <= set(before.focuses)
            ):
                self.refresh_users(key)  # a retried event: made already, users told again
                return Published(before, (), unchanged=True)
            result = self._make(key, found, wanted)
            if result.record is None:
                return result
            if self.shelf.keep_picture(result.record, replacing=before):
                self._drop_variants(before, result.record)
                self.refresh_users(key)
                return result
        raise RuntimeError(f"{key}: its record changed {ATTEMPTS} times while being made")

    def withdraw(self, key: str) -> None:
        """The picture is gone from the inbox: its variants and record go, and the pages
        that showed it are re-rendered without it."""
        before = self.shelf.picture(key)
        if before is None:
            return
        self._drop_variants(before, None)
        self.shelf.drop_picture(key)
        self.refresh_users(key)

    def _make(self, key: str, found: MediaHead, focuses: tuple[Focus, ...]) -> Published:
        from rotativa.services import pictures  # Pillow: only when a picture comes

        make_variants = pictures.remembered_variants if self.remember else pictures.make_variants

        data = self.inbox.read_media(key, found, MEDIA_MAX_BYTES)
        if data is None:  # that version is gone already: its delete event follows
            return Published(None, ())
        made = make_variants(key, data, *focuses, version=found.version)
        if made.record is None:
            return Published(None, made.problems)
        types = {v.name: v.format.content_type for v in made.record.variants}
        for name, body in made.files.items():  # a crop that is also a width: one file
            self.site.put_file(name, body, types[name], VARIANT_CACHE)
        if made.stand_in is not None:
            # The upload's own key holds its largest width, re-encoded (`services.pictures`),
            # cached as any media file: old links and embeds keep working, without metadata.
            body, content_type = made.stand_in
            self.site.put_file(key, body, content_type, CACHE_CONTROL)
        return Published(made.record, made.problems)

    def _drop_variants(self, before: PictureRecord | None, after: PictureRecord | None) -> None:
        """Delete the variants `after` no longer has: a replaced or deleted photo must
        leave the site (it may be the very reason it was replaced)."""
        if before is None:
            return
        kept = {v.name for v in after.variants} if after is not None else set()
        for name in sorted({v.name for v in before.variants} - kept):
            self.site.remove(name)

    # --- the articles that show pictures ---------------------------------------------------

    def refs_for(self, article_key: str, article: Article) -> tuple[PictureRef, ...]:
        """The refs `article` is stored with: for each picture it shows that is made, the
        picture cropped around the focus it asks for. Its uses are recorded first (see the
        module's docstring), and crops for a focus not made yet are made now."""
        refs: list[PictureRef] = []
        for key, focus in pictures_shown(article).items():
            self.shelf.use_picture(key, article_key, focus)
            ref = self._ref(key, focus, make=True)
            if ref is not None:
                refs.append(ref)
        return tuple(refs)

    def forget(self, article_key: str, before: Article | None, after: Article | None) -> None:
        """After a commit: the pictures the article stopped showing no longer count it."""
        if before is None:
            return
        still = pictures_shown(after) if after is not None else {}
        for key in pictures_shown(before):
            if key not in still:
                self.shelf.forget_use(key, article_key)

    def refresh_users(self, key: str) -> None:
        for article_key in sorted(self.shelf.picture_users(key)):
            self.refresh(article_key)

    def refresh(self, article_key: str) -> bool:
        """Re-commit the article with the refs of the pictures as they are now, if they
        changed; True when it was re-committed. Never reads the upload again: only the
        pictures changed, so its order moves on by a tick and its dates stay."""
        for _ in range(ATTEMPTS):
            stored = self.ledger.get(article_key)
            if stored is None or stored.article is None or stored.state is ArticleState.DELETED:
                return False
            refs = tuple(
                ref
                for key, focus in pictures_shown(stored.article).items()
                if (ref := self._ref(key, focus, make=False)) is not None
            )
            if refs == stored.pictures:
                return False
            renewed: StoredArticle = replace(stored, pictures=refs, order=order_after(stored.order))
            commit = self.ledger.commit(renewed, release_path=None, seen=stored.order)
            if commit.outcome is CommitOutcome.COMMITTED:
                return True
        raise RuntimeError(f"{article_key}: lost {ATTEMPTS} commits while renewing pictures")

    def _ref(self, key: str, focus: Focus, *, make: bool) -> PictureRef | None:
        for _ in range(ATTEMPTS):
            record = self.shelf.picture(key)
            if record is None:
                return None
            ref = record.ref(focus)
            if ref is not None or not make:
                return ref
            added = self._add_focus(record, focus)
            if added is None:
                return None  # the version it was made from is gone: its event follows
            if self.shelf.keep_picture(added, replacing=record):
                return added.ref(focus)
        return None

    def _add_focus(self, record: PictureRecord, focus: Focus) -> PictureRecord | None:
        found = self.inbox.head_media(record.source_key, 16)
        if found is None or found.version != record.version:
            return None
        made = self._make(record.source_key, found, (*record.focuses, focus))
        return made.record
