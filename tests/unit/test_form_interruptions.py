"""actions/forms.py `is_interruption`: which replies mid-form go to the rules, not the slot."""

from __future__ import annotations

import pytest

from actions.forms import is_interruption


@pytest.mark.parametrize(
    ("slot", "text"),
    [
        ("service_name", "وين وصل بلاغي BR-7K3Q9PX2؟"),
        ("service_name", "status of BR-7K3Q9PX2"),
        ("title", "what happened to my report?"),
        ("prior_complaint_lodged", "وش صار على بلاغي"),
    ],
)
def test_a_status_question_interrupts_any_question(slot: str, text: str) -> None:
    assert is_interruption(slot, "check_status", text)


@pytest.mark.parametrize(
    ("slot", "text"),
    [
        # a long description that mentions an earlier report is the description
        ("description", "my earlier report BR-7K3Q9PX2 was about the same payment page and "
                        "it still fails every single time I try to renew"),
        ("service_name", "status inquiry service"),  # a name, no reference, no question
    ],
)
def test_a_free_text_answer_that_reads_like_status_is_an_answer(slot: str, text: str) -> None:
    assert not is_interruption(slot, "check_status", text)


@pytest.mark.parametrize("text", ["what?", "وش؟", "hmm?"])
def test_a_bare_what_is_no_faq_question(text: str) -> None:
    """NLU reads "what?" as an FAQ question; mid-form it is a request to explain (#17)."""
    assert not is_interruption("service_channel", "faq", text)
    assert not is_interruption("prior_complaint_lodged", "faq", text)
