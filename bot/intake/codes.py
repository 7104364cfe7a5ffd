"""One-time codes in the conversation: the text that carries a code, how a reply is read,
and how a number is shown without giving it away.

No store and no Rasa here: bot.store.verification keeps the codes, bot.notify.contact sends
them, the actions put them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.digits import digit_run, to_ascii_digits
from bot.store.verification import CODE_DIGITS
from bot.texts import LANGUAGES, text

_RESEND = re.compile(
    r"\b(resend|send (it |me )?(a |the )?(new |another )?code( again)?|new code|another code|"
    r"code again|didn'?t (get|receive))\b"
    r"|(أعد|اعد|ارسل|أرسل|ابي|أبي|ابغى|أبغى).{0,12}(رمز|الرمز|كود|الكود)"
    r"|(رمز|كود) (جديد|ثاني|آخر|اخر)|ما (وصل|جاني|وصلني)",
    re.IGNORECASE,
)
_CHANGE_NUMBER = re.compile(
    r"\b(change|wrong|different|another) (the |my )?(mobile|number|phone)\b"
    r"|(غير|غيّر|تغيير|عدل|عدّل|تعديل).{0,6}(الرقم|رقم|الجوال|جوال)"
    r"|(الرقم|رقم الجوال) (غلط|خطأ|خاطئ)",
    re.IGNORECASE,
)

# The buttons that go with a code question send their own words (no intent of their own):
# these are read by the patterns above, in both languages.
# Their words are the text catalogue's codes.button.<name>.
BUTTONS: dict[str, dict[str, str]] = {
    name: {language: text(f"codes.button.{name}", language) for language in LANGUAGES}
    for name in ("resend", "change_number")
}


class ReplyKind(StrEnum):
    CODE = "code"
    RESEND = "resend"
    CHANGE_NUMBER = "change_number"
    OTHER = "other"


@dataclass(frozen=True)
class CodeReply:
    kind: ReplyKind
    code: str | None = None


def read_code_reply(text: str) -> CodeReply:
    """What a reply to "type the code" is: the code, a request for a new one, a request to
    change the number, or something else (the question stays open)."""
    plain = to_ascii_digits(text or "").strip()
    code = digit_run(plain, CODE_DIGITS)
    if code is not None:
        return CodeReply(ReplyKind.CODE, code)
    if _RESEND.search(plain):
        return CodeReply(ReplyKind.RESEND)
    if _CHANGE_NUMBER.search(plain):
        return CodeReply(ReplyKind.CHANGE_NUMBER)
    return CodeReply(ReplyKind.OTHER)


def masked_mobile(mobile: str) -> str:
    """A mobile number shown with all but its last 3 digits hidden: `+9665•••••567`."""
    digits = to_ascii_digits(mobile or "")
    if len(digits) <= 5:
        return "•" * len(digits)
    head = 5 if digits.startswith("+") else 3
    return digits[:head] + "•" * (len(digits) - head - 3) + digits[-3:]


def code_text(code: str, language: str) -> str:
    """The SMS/e-mail that carries a code, in the conversation's language."""
    return text("codes.message", language, code=code)
