"""A filing whose personal data no log may hold, and the scan for it: one person with a
random valid national ID and mobile, an e-mail address and a distinctive Arabic name, each in
every form it could take in a log (as typed, ASCII digits, E.164, JSON-escaped).
tests/live/test_live_logs.py runs it in the default layout, tests/live/test_live_action_server.py
against the action server's own log."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

from bot.intake.personal import luhn_valid, parse_mobile
from tests.live import AssistantProcess, texts

FIRST_NAME = "زبيدة"
FAMILY_NAME = "القرويين"
FULL_NAME = f"{FIRST_NAME} بنت غازي {FAMILY_NAME}"
SUMMARY = ("ملخص بلاغك", "summary of your report")


def valid_national_id(rng: random.Random) -> str:
    """A citizen's ID that passes the check digit, different on every run."""
    while True:
        candidate = "1" + "".join(rng.choice("0123456789") for _ in range(9))
        if luhn_valid(candidate):
            return candidate


def valid_mobile(rng: random.Random) -> str:
    while True:
        candidate = (
            "05" + rng.choice("0345689") + "".join(rng.choice("0123456789") for _ in range(7))
        )
        if parse_mobile(candidate).value:
            return candidate


def arabic_indic(text: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in text)


def escaped(text: str) -> str:
    """`text` as json.dumps writes it (Arabic as \\uXXXX escapes)."""
    return json.dumps(text)[1:-1]


RNG = random.Random()
NATIONAL_ID = valid_national_id(RNG)
MOBILE = valid_mobile(RNG)  # 05XXXXXXXX
MOBILE_TYPED = arabic_indic(MOBILE)
MOBILE_E164 = "+966" + MOBILE[1:]
EMAIL = f"zubaydah.{uuid.uuid4().hex[:6]}@example.org"

# Each personal value in every form it could take in a log line.
FORBIDDEN = {
    "national ID": [NATIONAL_ID, arabic_indic(NATIONAL_ID), escaped(arabic_indic(NATIONAL_ID))],
    "mobile": [
        MOBILE, MOBILE_TYPED, escaped(MOBILE_TYPED), MOBILE_E164, MOBILE_E164[1:], MOBILE[1:],
    ],
    "e-mail": [EMAIL, EMAIL.split("@")[0]],
    "name": [
        FULL_NAME, escaped(FULL_NAME), FIRST_NAME, escaped(FIRST_NAME), FAMILY_NAME,
        escaped(FAMILY_NAME),
    ],
}  # fmt: skip

# What a cooperative user answers to each question (found by a phrase of the question).
ANSWERS = [
    ("هل قدمت شكوى للجهة", "نعم"),
    ("هل أغلقت الجهة شكواك", "لا"),
    ("هل حددت الجهة مدة للرد", "لا"),
    ("متى قدّمتها", "قبل ثلاث اسابيع"),
    ("ما رقم الشكوى", f"C-{uuid.uuid4().hex[:8]}"),
    ("هل الخدمة التي تشتكي منها خدمة رقمية", "رقمية"),
    ("هل الخدمة ورقية", "نعم"),
    ("هل للخدمة بديل رقمي", "لا"),
    ("ما اسم المنصة", "أبشر"),
    ("ما اسم الخدمة", "حجز المواعيد"),
    ("عبر أي قناة", "الموقع"),
    ("ما اسم الجهة", "وزارة الداخلية"),
    ("عنوانًا قصيرًا", "تحسين حجز المواعيد"),
    ("هل تقصد", "لا"),
    ("ضمن المنصات والخدمات المسجلة", "نعم"),
    ("صف", "أقترح إظهار أقرب موعد متاح في أول صفحة بدل البحث يوما بعد يوم"),
    ("أرسل صور الشاشة", "لا توجد مرفقات"),
    ("ما اسمك الكامل", FULL_NAME),
    ("رقم الهوية", NATIONAL_ID),
    ("رقم جوالك", MOBILE_TYPED),
    ("رمز تحقق", "{code}"),
    ("بريدك الإلكتروني", EMAIL),
]


def say(live: AssistantProcess, sender: str, text: str) -> str:
    return texts(live.say(sender, text))


def file_a_report(live: AssistantProcess) -> str:
    sender = f"logs-{uuid.uuid4().hex[:10]}"
    reply = say(live, sender, "لدي اقتراح لتحسين خدمة في منصة أبشر")
    reply = say(live, sender, "/affirm")
    for _ in range(30):
        if any(marker in reply for marker in SUMMARY):
            break
        last_line = reply.split("\n")[-1]
        answer = next((a for marker, a in ANSWERS if marker in last_line), None)
        assert answer is not None, f"unexpected question: {reply}"
        reply = say(live, sender, live.last_code() if answer == "{code}" else answer)
    else:
        raise AssertionError(f"no summary after 30 answers: {reply}")
    assert NATIONAL_ID in reply and EMAIL in reply, reply  # the summary shows them to the user
    say(live, sender, "/confirm_report")
    ref = live.tracker(sender)["slots"]["report_ref"]
    assert ref, "the report was not filed"
    return ref


def log_files(var_dir: Path) -> list[Path]:
    return sorted(p for p in var_dir.rglob("*") if p.is_file() and p.suffix in (".log", ".out"))


def leaks_in(logs: dict[Path, str]) -> list[str]:
    """Every form of the filing's personal data found in the logs, with where."""
    leaks = []
    for path, text in logs.items():
        for what, forms in FORBIDDEN.items():
            for form in forms:
                at = text.find(form)
                if at >= 0:
                    leaks.append(
                        f"{path.name}: {what} {form!r} in …{text[max(0, at - 200) : at + 80]}…"
                    )
    return leaks
