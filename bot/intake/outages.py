"""Known outages told to citizens first (seed 002: users are told of stops the entities
announced, and send a complaint only about faults nobody announced).

When someone wants to escalate a complaint about a platform, and an entity's outage report
that the Amer centre has taken up covers it (bot.store.access, Action.ANNOUNCE), the
assistant says so before anything else: which service, since when; the user can still go on
if their problem is another one. Pure: which notice covers what the user named.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.intake.catalogue import get_platform, match_platform, match_service
from bot.intake.duplicates import NAME_MATCH_THRESHOLD, name_similarity

__all__ = ["covering_outage", "notice_names"]


def _named(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _platform_id(name: str) -> str | None:
    found = match_platform(name, limit=1)
    return found[0].platform.id if found and found[0].confident else None


def _service_id(name: str, platform_id: str | None) -> str | None:
    found = match_service(name, platform_id, limit=1)
    return found[0].service.id if found and found[0].confident else None


def _same(first: str, second: str, first_id: str | None, second_id: str | None) -> bool:
    """The same catalogue entry when both are in the catalogue (so «قوى» is "Qiwa": an
    entity may report in English what a citizen names in Arabic), else alike names."""
    if first_id and second_id:
        return first_id == second_id
    return name_similarity(first, second) >= NAME_MATCH_THRESHOLD


def covering_outage(notices: Iterable[Any], platform: str | None, service: str | None) -> Any:
    """The first notice (newest first, as given) about the same platform, and the same service
    when both name one; None when none covers it. A notice about a service covers only that
    service; one naming only the platform covers the whole platform."""
    if not _named(platform):
        return None
    platform_id = _platform_id(platform)
    service_id = _service_id(service, platform_id) if _named(service) else None
    for notice in notices:
        if not _named(notice.platform):
            continue
        notice_platform = _platform_id(notice.platform)
        if not _same(platform, notice.platform, platform_id, notice_platform):
            continue
        if _named(service) and _named(notice.service_name):
            notice_service = _service_id(notice.service_name, notice_platform)
            if not _same(service, notice.service_name, service_id, notice_service):
                continue
        return notice
    return None


def notice_names(notice: Any, language: str) -> tuple[str, str]:
    """(entity, what is out: the service, else the platform) as the user's language names
    them in the catalogue; as the entity wrote them when the catalogue does not know them."""
    platform_id = _platform_id(notice.platform) if _named(notice.platform) else None
    platform = get_platform(platform_id) if platform_id else None
    entity = platform.entity(language) if platform else (notice.entity_name or notice.platform)
    if _named(notice.service_name):
        service_id = _service_id(notice.service_name, platform_id)
        service = platform.service(service_id) if platform and service_id else None
        return entity, service.name(language) if service else notice.service_name
    return entity, platform.name(language) if platform else notice.platform
