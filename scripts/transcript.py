"""Play one long, messy conversation against a running assistant and write its transcript.

    .venv/bin/python scripts/transcript.py --language en --out docs/transcripts/messy-en.md

The user of these conversations tells everything at once, asks a question and another
report's status in the middle, answers off-topic, corrects earlier answers, asks for a
person and changes a value at the summary (issue #17). The assistant must be running (`make
run`); the one-time code is read from the development message sink (MESSAGE_SINK,
var/messages.jsonl by default).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chat import send  # noqa: E402
from bot.runtime.process import last_code  # noqa: E402

CODE = "{code}"

TURNS = {
    "en": [
        "hello",
        "The Absher website has been down all morning, I can't renew my passport. I complained"
        " to them on 3 November (complaint JAW-2026-88213) and nobody has replied",
        "yes",
        "wait, what does SLA mean?",
        "no, they gave no response time",
        "passport renewal",
        "hmm",
        "what?",
        "what's the status of BR-7K3Q9PX2?",
        "the website",
        "actually the complaint number is JAW-2026-88214",
        "Cannot renew passport",
        "Every time I pay the renewal fee the page shows an error and the renewal is not done.",
        "done",
        "I want to talk to a person",
        "my name is Sara Al Harbi and my ID is 1000000008",
        "0551234567",
        CODE,
        "skip",
        "change the date to 4 November",
        "/confirm_report",
        "thanks",
    ],
    "ar": [
        "السلام عليكم",
        "رفعت شكوى على أبشر قبل اسبوعين وللحين محد رد علي",
        "ايه",
        "طيب وش يعني مستوى الخدمة؟",
        "لا ما عطوني مدة",
        "وش دخل الرقم",
        "ههه",
        "وين وصل بلاغي BR-7K3Q9PX2؟",
        "JAW-2026-77120",
        "لا، المنصة توكلنا مو أبشر",
        "تجديد الجواز",
        "ايه هذا اسمها",
        "التطبيق",
        "ما اقدر اجدد الجواز",
        "كل ما ادفع الرسوم يطلع لي خطأ وما تكتمل العملية من اسبوعين",
        "ابي اكلم موظف",
        "انتهيت",
        "الاسم محمد القحطاني وهويتي ١٠٠٠٠٠٠٠٠٨",
        "0551234567",
        CODE,
        "تخطي",
        "غير التاريخ إلى ٢٠ نوفمبر",
        "/confirm_report",
        "شكرا",
    ],
}
_ISOLATES = re.compile("[\u2066-\u2069]")


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def play(url: str, language: str, sink: Path) -> str:
    sender = f"transcript-{language}-{uuid.uuid4().hex[:6]}"
    title = "Arabic, Saudi dialect" if language == "ar" else "English"
    lines = [f"# A long, messy conversation ({title})", ""]
    for turn in TURNS[language]:
        text = last_code(sink) if turn == CODE else turn
        lines += [f"**User:** {text}", ""]
        for message in send(url, sender, text):
            shown = _ISOLATES.sub("", message.get("text") or "")
            buttons = " · ".join(f"[{b['title']}]" for b in message.get("buttons") or [])
            lines.append(_quoted(shown + (f"\n{buttons}" if buttons else "")))
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--language", choices=sorted(TURNS), required=True)
    parser.add_argument("--sink", type=Path, default=ROOT / "var" / "messages.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(play(args.url, args.language, args.sink) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
