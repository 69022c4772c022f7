"""An editor's content folder as the local cloud sees it: settings, files, changes.

A content folder is what `samples/` is: `site.yaml`, `articles/`, `media/`. The local
cloud never reads `site.yaml` itself: its values become the template's parameter
overrides (SiteName, SiteBaseUrl, …), so the functions get them through their Environment
exactly as they would from `sam deploy --parameter-overrides`. The watcher behind
`rotativa dev` turns edits in the folder into the uploads and deletes an editor would make.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# What an editor would upload from a content folder is listed once, by the folder adapter
# (`adapters.folder.upload_files`): `rotativa rebuild FOLDER` and `preview` read the same.
from rotativa.adapters.folder import UPLOAD_PREFIXES, upload_files
from rotativa.domain.site import SITE_FILE, SiteSettings

__all__ = [
    "ContentError",
    "ContentWatcher",
    "FolderChange",
    "check_folder",
    "parameters_for",
    "site_from_parameters",
    "site_parameters",
]


#: The template parameters that carry the site's settings, and the settings they carry.
SITE_PARAMETERS = {
    "SiteName": "name",
    "SiteBaseUrl": "base_url",
    "SiteSections": "sections",
    "SiteLocale": "locale",
    "SiteTimeZone": "time_zone",
    "SiteFutureToleranceMinutes": "future_tolerance_minutes",
}


class ContentError(ValueError):
    """A content folder the local cloud cannot use (said in words an editor can act on)."""


def site_parameters(site: SiteSettings) -> dict[str, str]:
    """The template's parameter overrides that give the functions these settings.

    Section names travel comma-joined (the template's SiteSections); per-section options
    of site.yaml such as `homepage_count` have no parameter and keep their defaults.
    """
    names = [section.name for section in site.sections]
    if any("," in name for name in names):
        raise ContentError("a section name contains a comma, which SiteSections cannot carry")
    parameters = {
        "SiteName": site.name,
        "SiteBaseUrl": site.base_url,
        "SiteLocale": site.locale,
        "SiteTimeZone": site.time_zone,
        "SiteFutureToleranceMinutes": str(site.future_tolerance_minutes),
    }
    if names:
        parameters["SiteSections"] = ",".join(names)
    return parameters


def site_from_parameters(parameters: Mapping[str, str | list[str]]) -> SiteSettings:
    """The settings the functions will read from the environment these parameters make."""
    values = {
        field: ",".join(value) if isinstance(value, list) else value
        for name, field in SITE_PARAMETERS.items()
        if (value := parameters.get(name)) not in (None, "")
    }
    return SiteSettings.model_validate(values)


def parameters_for(folders: Sequence[Path]) -> dict[str, str]:
    """Parameter overrides from the folders' site.yaml (they must agree), {} without one."""
    found: dict[Path, dict[str, str]] = {}
    for folder in folders:
        path = folder / SITE_FILE
        if path.is_file():
            try:
                found[path] = site_parameters(SiteSettings.from_file(path))
            except (OSError, ValueError) as exc:
                raise ContentError(f"{path}: {exc}") from exc
    distinct = {tuple(sorted(p.items())) for p in found.values()}
    if len(distinct) > 1:
        listed = ", ".join(str(p) for p in found)
        raise ContentError(f"the content folders disagree on the site's settings: {listed}")
    return next(iter(found.values()), {})


def check_folder(folder: Path) -> None:
    """Refuse what is not a content folder, before anything is started."""
    if not folder.is_dir():
        raise ContentError(f"{folder}: no such folder")
    if not any((folder / prefix.rstrip("/")).is_dir() for prefix in UPLOAD_PREFIXES):
        raise ContentError(f"{folder}: has neither articles/ nor media/ to upload")


@dataclass(frozen=True)
class FolderChange:
    key: str
    path: Path | None  # None: the file was deleted


class ContentWatcher:
    """Which files of a content folder changed since the last look, by modification time.

    Polling rather than inotify: it works the same on every laptop and on network
    folders, and an editor's save is a second-scale event.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[str, tuple[Path, int, int]] = {}

    def changes(self) -> list[FolderChange]:
        now: dict[str, tuple[Path, int, int]] = {}
        for key, path in upload_files(self.folder):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted between listing and looking
            now[key] = (path, stat.st_mtime_ns, stat.st_size)
        changed = [
            FolderChange(key, path)
            for key, (path, mtime, size) in now.items()
            if self._seen.get(key, (None, None, None))[1:] != (mtime, size)
        ]
        changed += [FolderChange(key, None) for key in self._seen if key not in now]
        self._seen = now
        return changed
