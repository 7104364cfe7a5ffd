"""What the report store answers when a report cannot be found, read or changed.

Plain exceptions, no SQL: the actions, the CLI and the console catch them by these names.
"""

from __future__ import annotations


class ReportNotFound(LookupError):
    """No report has this reference (or the text is not a valid reference at all)."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no report with reference {reference!r}")
        self.reference = reference


class NotReportOwner(ReportNotFound):
    """The report belongs to another reporter. A ReportNotFound, so that a reporter who asks
    about someone else's report learns nothing more than "no such report of yours"."""


class ReportNotOpen(ValueError):
    """The report is closed, cancelled, accepted or rejected: it can no longer change."""

    def __init__(self, reference: str, status: str, what: str) -> None:
        super().__init__(f"report {reference} is {status} (final): cannot {what}")
        self.reference = reference
        self.status = status


class RatingNotAllowed(ValueError):
    """Only a closed report is rated (SPEC: the survey comes after closing)."""


class AlreadyRated(ValueError):
    """The report has a different rating already (one survey per report)."""


class ReopenNotAllowed(ValueError):
    """Only a closed complaint escalation can be re-opened at its reporter's request."""

    def __init__(self, reference: str, status: str, report_type: str) -> None:
        super().__init__(
            f"report {reference} is a {report_type} in {status}: only a closed complaint "
            "escalation can be re-opened"
        )
        self.reference = reference
        self.status = status


class NoReopenRequest(ValueError):
    """The back office decides a re-open request that the report does not have."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"report {reference} has no re-open request waiting")
        self.reference = reference
