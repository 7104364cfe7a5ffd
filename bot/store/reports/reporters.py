"""Reporters: found by national ID, kept as first given, compared with a report's contact.

A reporter is found by national ID; the row keeps the name, mobile and e-mail given first
and is never overwritten by a later filing (anyone can type someone else's ID). Each report
keeps the contact details it was filed with, and names the fields that differ from the
reporter on file in `contact_mismatch` for the back office. Functions over the caller's
session: filing runs them inside its own transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Reporter
from bot.store.reports.drafts import ReporterDraft
from bot.store.reports.rows import identifier


def find_or_add(session: Session, draft: ReporterDraft) -> tuple[Reporter, bool]:
    """The reporter with the draft's national ID, as on file, or a new one (True when new).
    An existing reporter is never changed: a filing cannot overwrite someone's name or
    mobile."""
    national_id = identifier(draft.national_id)
    if not national_id:
        raise ValueError("national_id must not be empty")
    reporter = session.scalars(select(Reporter).where(Reporter.national_id == national_id)).first()
    if reporter is not None:
        return reporter, False
    reporter = Reporter(
        national_id=national_id,
        full_name=draft.full_name.strip(),
        mobile=identifier(draft.mobile),
        email=draft.email.strip() if draft.email else None,
    )
    session.add(reporter)
    return reporter, True


def exists(session: Session, national_id: str) -> bool:
    """Whether a reporter with this national ID (as typed) is on file."""
    wanted = identifier(national_id)
    return session.scalar(select(Reporter.id).where(Reporter.national_id == wanted)) is not None


def contact(draft: ReporterDraft) -> dict[str, str | None]:
    """The contact details a report keeps, as the reporter typed them (cleaned)."""
    return {
        "full_name": draft.full_name.strip(),
        "mobile": identifier(draft.mobile),
        "email": draft.email.strip() if draft.email else None,
    }


def mismatch(reporter: Reporter, details: dict[str, str | None]) -> str | None:
    """The contact fields that differ from the reporter on file ("full_name,mobile"), or None.
    A missing e-mail on either side is no difference."""
    differ = [
        name
        for name in ("full_name", "mobile", "email")
        if details[name] and getattr(reporter, name) and details[name] != getattr(reporter, name)
    ]
    return ",".join(differ) or None
