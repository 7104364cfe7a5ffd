"""How every part of the report store reads a report's rows: loaded whole, found by a typed
reference, locked for a change. Shared by filing, reads, changes and notices (and by
bot.store.access for "my reports")."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql import Select

from bot.digits import to_ascii_digits
from bot.store.models import Attachment, Report
from bot.store.reference import parse_reference
from bot.store.reports.drafts import AttachmentDraft
from bot.store.reports.errors import ReportNotFound

_SPACES = re.compile(r"\s+")


def identifier(text: str) -> str:
    """An identifier typed by a person, with ASCII digits and no stray spaces."""
    return _SPACES.sub(" ", to_ascii_digits(text)).strip()


def loaded(statement: Select) -> Select:
    """`statement` with the report's reporter, attachments, history and rating loaded, so the
    report can be read after its session is gone."""
    return statement.options(
        joinedload(Report.reporter),
        selectinload(Report.attachments),
        selectinload(Report.history),
        selectinload(Report.rating),
    )


def canonical(reference: str) -> str:
    """The reference as stored, from any accepted readback form; else ReportNotFound."""
    found = parse_reference(reference)
    if found is None:
        raise ReportNotFound(reference)
    return found


def locked(session: Session, canonical: str, reference: str) -> Report:
    """The report, its row locked until the transaction ends (PostgreSQL; SQLite's write
    transaction locks the whole database already)."""
    report_id = session.scalar(
        select(Report.id).where(Report.reference == canonical).with_for_update()
    )
    if report_id is None:
        raise ReportNotFound(reference)
    return session.scalars(loaded(select(Report)).where(Report.id == report_id)).one()


def attachment_row(item: AttachmentDraft) -> Attachment:
    """The `attachments` row of a stored upload (filing and added documents alike)."""
    return Attachment(
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        stored_path=item.stored_path,
    )
