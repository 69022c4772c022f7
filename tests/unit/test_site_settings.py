"""Site settings: validated once, from site.yaml or from a function's environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rotativa.domain.site import SiteSettings
from tests.conftest import SAMPLES


def test_samples_site_file() -> None:
    site = SiteSettings.from_file(SAMPLES / "site.yaml")
    assert site.locale == "it"
    assert site.base_url.endswith("/")
    assert [s.slug for s in site.sections][:2] == ["sesto-san-giovanni", "cinisello-balsamo"]
    assert site.sections[0].homepage_count == 6


def test_environment_gives_the_same_settings() -> None:
    site = SiteSettings.from_environment(
        {
            "SITE_NAME": "Nordmilano Notizie",
            "SITE_BASE_URL": "https://www.nordmilanonotizie.example",
            "SITE_SECTIONS": "Sesto San Giovanni, Sport",
            "SITE_LOCALE": "en",
        }
    )
    assert site.base_url == "https://www.nordmilanonotizie.example/"
    assert [s.name for s in site.sections] == ["Sesto San Giovanni", "Sport"]
    assert site.locale == "en"
    assert site.time_zone == "Europe/Rome"


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"SITE_NAME": "X"},
        {"SITE_NAME": "X", "SITE_BASE_URL": "ftp://x"},
        {"SITE_NAME": "X", "SITE_BASE_URL": "https://x", "SITE_TIME_ZONE": "Mars/Base"},
        {"SITE_NAME": "X", "SITE_BASE_URL": "https://x", "SITE_LOCALE": "fr"},
        {"SITE_NAME": "X", "SITE_BASE_URL": "https://x", "SITE_SECTIONS": "Sport,sport"},
    ],
)
def test_missing_or_wrong_settings_fail_at_start(environ: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        SiteSettings.from_environment(environ)


def test_find_section_ignores_case_and_accents() -> None:
    site = SiteSettings(name="X", base_url="https://x", sections=["Città Studi"])
    found = site.find_section("citta studi")
    assert found is not None
    assert found.name == "Città Studi"
    assert site.find_section("Brera") is None
