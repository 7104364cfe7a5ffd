"""A report's statuses in the reporter's words, Arabic and English (plain Python, no
imports): the assistant's answers, the notices and the call-centre console all name a
status through `status_label`."""

from __future__ import annotations

__all__ = ["STATUS_LABELS", "status_label"]

# SPEC "Life of a report"
STATUS_LABELS: dict[str, dict[str, str]] = {
    "received": {"ar": "تم الاستلام", "en": "Received"},
    "under_review": {"ar": "قيد المراجعة", "en": "Under review"},
    "referred": {"ar": "أحيل إلى مقدم الخدمة", "en": "Referred to the service provider"},
    "in_progress": {"ar": "جارٍ العمل عليه", "en": "In progress"},
    "missing_data": {"ar": "نقص في البيانات", "en": "Missing data"},
    "closed": {"ar": "مغلق", "en": "Closed"},
    "cancelled": {"ar": "ملغى", "en": "Cancelled"},
    "accepted": {"ar": "مقبول", "en": "Accepted"},
    "rejected": {"ar": "مرفوض", "en": "Rejected"},
}


def status_label(status: str, language: str | None) -> str:
    """The status in the reporter's language (Arabic unless English); unknown: as given."""
    return STATUS_LABELS.get(str(status), {}).get("en" if language == "en" else "ar", str(status))
