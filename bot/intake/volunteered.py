"""Facts a message gives besides the one asked: "use everything the user says" (plain Python).

People tell their story in one go: «رفعت شكوى قبل اسبوعين على أبشر وما ردوا», "JAW-2026-88213
on 3 November", «الاسم محمد القحطاني وهويتي ١٠٣٤٥٦٧٨٩٩». `read_facts` finds in any message
the facts the forms would otherwise ask one by one, so that they are not asked again:

* the earlier complaint: lodged or not (or a fault that stopped it), closed or still without
  a reply, no response time given, its reference, and when it was lodged (a date in a
  message that speaks of the complaint or names its reference);
* the platform, by its catalogue name;
* personal data: a national ID/iqama number (Luhn-checked), a Saudi mobile, an e-mail, a
  name after "my name is" / «اسمي».

Only what the words say outright is read; anything unsure is left for the form to ask.
Each value is in the form the slot holds (the same parsers as the answers to questions).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.digits import to_ascii_digits
from bot.intake import dates, personal
from bot.intake.catalogue import find_platform_in_text
from bot.nlu.normalise import normalise_text
from bot.store.reference import PREFIX as OUR_REFERENCE_PREFIX

__all__ = [
    "COMPLAINT_FACTS",
    "PERSONAL_FACTS",
    "SENTENCE_ANSWERS",
    "complaint_facts",
    "facts_to_take",
    "find_prior_reference",
    "personal_facts",
    "read_facts",
]

COMPLAINT_FACTS = (
    "prior_complaint_lodged",
    "lodging_blocked_by_fault",
    "complaint_closed",
    "problem_persists",
    "entity_gave_response_time",
    "prior_complaint_ref",
    "prior_complaint_date",
)
PERSONAL_FACTS = ("full_name", "national_id", "mobile", "email")

_COMPLAINT = r"(?:complaint|ticket|case)"
_AR_COMPLAINT = r"(?:شكوي|شكوه|شكواي|الشكوي|الشكوه|بلاغ|البلاغ|تذكره|التذكره)"
_AR_LODGE = r"(?:رفعت|قدمت|سجلت|ارسلت|فتحت|رفعنا|قدمنا|سجلنا|اشتكيت|اشتكينا)"
_AR_LODGE_PRESENT = r"(?:ارفع|اقدم|اسجل|ارسل|افتح|اشتكي|اشتك)"
_EN_LODGE = r"(?:filed|lodged|submitted|raised|made|opened|sent|logged)"
_EN_LODGE_PRESENT = r"(?:file|lodge|submit|raise|make|open|send|log)"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


_BLOCKED = _any(
    rf"\b(?:couldn'?t|could not|can'?t|cannot|unable to|wasn'?t able to|was not able to)"
    rf"\s+{_EN_LODGE_PRESENT}\s+(?:a|the|my|any)?\s*{_COMPLAINT}",
    rf"(?:ما قدرت|ماقدرت|ما اقدر|ما قدرنا|لم استطع|لم اتمكن من|ما تمكنت من|ماتمكنت من)\s+"
    rf"(?:{_AR_LODGE_PRESENT}|رفع|تقديم|تسجيل)\s*{_AR_COMPLAINT}?",
)
_NOT_LODGED = _any(
    rf"\b(?:didn'?t|did not|haven'?t|have not|never|not yet)\s+(?:{_EN_LODGE_PRESENT}|"
    rf"{_EN_LODGE}|complained)\b",
    rf"\bno\s+{_COMPLAINT}\s+(?:yet|was|has been|filed|lodged)",
    rf"(?:ما|لم|ماقد|ما قد|بعد ما)\s*(?:{_AR_LODGE}|{_AR_LODGE_PRESENT})\b",
    r"(?:ما|لم)\s*(?:اشتكي|اشتك)",
)
_LODGED = _any(
    rf"\b(?:i|we|i've|i have|we have|i had|already)\s+(?:already\s+|have\s+|had\s+)?"
    rf"{_EN_LODGE}\s+(?:a|the|my|an)?\s*(?:\w+\s+)?{_COMPLAINT}",
    r"\b(?:i|we)\s+(?:already\s+)?complained\b",
    rf"\bmy\s+{_COMPLAINT}\b",
    rf"{_AR_LODGE}\s+(?:\w+\s+)?{_AR_COMPLAINT}",
    r"(?:شكواي|شكوتي)\b",
    # the complaint first, then the verb with its pronoun: «شكوى على قوى رفعتها قبل اسبوعين»
    rf"{_AR_COMPLAINT}\s+(?:\S+\s+){{0,4}}?{_AR_LODGE}(?:ها|ه)\b",
)
_CLOSED = _any(
    rf"\b(?:closed|close)\b(?:\s+\w+){{0,3}}\s+{_COMPLAINT}",
    rf"\b{_COMPLAINT}\b(?:\s+\S+){{0,2}}\s+(?:was|is|has been|got)\s+closed\b",
    r"\b(?:they|it was|it's been|it got|it is|they've)\s+closed\b|\bclosed it\b",
    r"(?:قفلوا|اغلقوا|سكروا|قفلت|اغلقت|انقفلت|انغلقت|سكرت|تم اغلاق|اقفلوا)",
    r"(?:قفلوها|قفلوه|سكروها|سكروه|اغلقوها|اغلقوه|اقفلوها)",
)
_STILL_OPEN = _any(
    r"\bno\s+(?:reply|response|answer|feedback)\b",
    r"\b(?:haven'?t|have not|didn'?t|did not|never)\s+(?:replied|responded|answered|got back|"
    r"reply|respond|answer|get back)\b",
    r"\bstill\s+(?:open|waiting|pending|no reply|no answer)\b",
    r"(?:ما|لم)\s*(?:ردوا|يردوا|يرد|رد|جاني رد|وصلني رد|تجاوبوا|يتجاوبوا)",
    r"(?:بدون رد|ما في رد|مافي رد|لا يوجد رد|للحين ما|الي الان ما|لا تزال مفتوحه|ما زالت مفتوحه)",
    r"(?:محد|ما احد|ولا احد|لم يرد احد)\s*(?:رد|يرد|تجاوب)",
    r"(?:ما|لم)\s*(?:يتم|تم)\s*(?:الرد|التجاوب)|(?:ما|لم)\s*(?:ترد|تردوا|تجب)\b",
    r"(?:دون|بدون|بلا)\s+(?:رد|اجابه|جواب)",
    r"\b(?:nobody|no one|no-one)\s+(?:has\s+)?(?:replied|answered|responded|got back)\b",
)
_STILL_A_PROBLEM = _any(
    r"\b(?:not|never|wasn'?t|isn'?t|hasn'?t been|was not|is not)\s+(?:solved|fixed|resolved)\b",
    r"\bstill\s+(?:not working|broken|down|failing|the same|a problem|happening)\b",
    r"\bwithout\s+(?:fixing|solving|resolving)\b",
    r"\b(?:didn'?t|did not|never)\s+(?:fix|solve|resolve)\b",
    r"(?:بدون|بلا|دون)\s+(?:ما\s+)?(?:يحلونها|حلها|حل|ما تنحل|يصلحونها|اصلاح)",
    r"(?:ما|لم)\s*(?:انحلت|تنحل|اتحلت|تحلت|حلوها|يحلوها|تحل|انحل|تنصلح|انصلحت)",
    r"(?:المشكله|المشكلة)\s+(?:مستمره|باقيه|موجوده|قائمه|لا تزال|ما زالت)",
)
_NO_RESPONSE_TIME = _any(
    r"\bno\s+(?:response|reply)\s+(?:time|date|deadline)\b",
    r"\bno\s+(?:deadline|timeframe|time frame|sla|due date)\b",
    r"\b(?:didn'?t|did not|never|haven'?t|have not)\s+(?:give|gave|given|tell|told|say|said|"
    r"mention|mentioned|set|specify|specified)\s+(?:me|us)?\s*(?:a|any)?\s*(?:response\s+)?"
    r"(?:time|date|deadline|timeframe|time frame|sla)\b",
    r"(?:ما|لم)\s*(?:عطوني|اعطوني|يعطوني|حددوا|يحددوا|ذكروا|يذكروا|قالوا)\s*(?:لي)?\s*(?:اي)?\s*"
    r"(?:مده|وقت|موعد|تاريخ)",
    r"(?:بدون|ما في|مافي|لا يوجد|بلا)\s+(?:مده|موعد|وقت محدد)",
)
# A reference with letters before its digits ("JAW-2026-88213", "CMP12345"), or any token
# with digits right after words that name it ("complaint number 558812", «رقم الشكوى ٥٥٨٨١٢»).
_LETTERED_REF = re.compile(r"(?<![\w-])[A-Za-z]{1,6}[-/#]?\d{3,}(?:[-/]\w+)*(?![\w-])")
_CUED_REF = re.compile(
    r"(?:complaint|ticket|case|reference|ref|its)\s*(?:number|no\.?|num|#|ref|id)?\s*"
    r"(?:is|was|:|#)?\s*"
    r"|(?:رقم|رقمها)\s*(?:ال)?(?:شكوي|شكوه|بلاغ|تذكره|طلب|المرجع|مرجع)?\s*(?:هو|:)?\s*",
    re.IGNORECASE,
)
# "number 558812" alone names the reference in a message that speaks of a complaint
_NUMBER_CUE = re.compile(r"\b(?:number|no\.|num)\s*(?:is|:)?\s*", re.IGNORECASE)
_SPEAKS_OF_COMPLAINT = re.compile(r"complain|ticket|شكو|بلاغ", re.IGNORECASE)
_REF_TOKEN = re.compile(r"#?(?P<ref>[0-9A-Za-z][0-9A-Za-z\-_/]{2,39})")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Read on the text as typed (only the digits made ASCII), so that a name keeps its spelling
# (ة, أ, إ): hence the letter classes instead of bot.nlu.normalise's folding.
_NAME_CUE = re.compile(
    r"(?:my name is|my full name is|name\s*:|[اأ]سمي ال[كگ]امل|[اأ]سمي|الاسم ال[كگ]امل|الاسم|"
    r"[اأ]نا [اأ]سمي)"
    r"\s*(?:هو|is|:)?\s*(?P<name>[^\d,،.؛;:\n@]+)",
    re.IGNORECASE,
)
# Where a name typed after "my name is" ends: "and my ID…", «وهويتي…», «ورقمي…».
_NAME_END = re.compile(
    r"\s+(?:and|my|id|iqama|mobile|phone|email|و?هويتي|و?رقم|و?جوالي|و?[اإ]يميلي|و?بريدي|"
    r"و?[اإ]قامتي|و?الهوي[ةه]|و?الجوال|و?السجل)(?!\w).*$",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"\+?\d[\d\s-]{6,}\d")


def _folded(text: str) -> str:
    return " ".join(normalise_text(text or "").lower().split())


def _plain(text: str) -> str:
    """The text with ASCII digits and no invisible marks, case kept (references, names)."""
    return to_ascii_digits(normalise_text(text or ""))


def _looks_personal(digits: str) -> bool:
    """A national ID or a Saudi mobile is not a complaint's reference."""
    compact = re.sub(r"\D", "", digits)
    if personal.parse_national_id(compact).error is None:
        return True
    return personal.parse_mobile(compact).error is None


def find_prior_reference(text: str) -> str | None:
    """The earlier complaint's reference in `text`, upper case; never one of ours (BR-…)."""
    plain = _plain(text)
    candidates = [match.group(0) for match in _LETTERED_REF.finditer(plain)]
    cues = list(_CUED_REF.finditer(plain))
    if _SPEAKS_OF_COMPLAINT.search(plain):
        cues += list(_NUMBER_CUE.finditer(plain))
    for cue in cues:
        token = _REF_TOKEN.match(plain, cue.end())
        if token and cue.group(0).strip() and any(char.isdigit() for char in token["ref"]):
            candidates.append(token["ref"])
    for candidate in candidates:
        reference = candidate.strip(".,،-/#").upper()
        if reference.startswith(OUR_REFERENCE_PREFIX) or len(reference) < 3:
            continue
        if reference.isdigit() and _looks_personal(reference):
            continue
        return reference
    return None


def complaint_facts(text: str, today: date, *, lodged: bool | None = None) -> dict[str, Any]:
    """What a message says about the complaint lodged with the entity (see the module).

    `lodged`: what the conversation knows already; once a complaint is known to be lodged,
    "no reply yet" or "they closed it" say how it stands even without the word "complaint".
    A date is the complaint's only in a message that speaks of lodging it or names it.
    """
    folded = _folded(text)
    facts: dict[str, Any] = {}
    if _BLOCKED.search(folded):
        facts.update(prior_complaint_lodged=False, lodging_blocked_by_fault=True)
    elif _NOT_LODGED.search(folded):
        facts["prior_complaint_lodged"] = False
    elif _LODGED.search(folded):
        facts["prior_complaint_lodged"] = True
    reference = find_prior_reference(text)
    if reference is not None:
        facts["prior_complaint_ref"] = reference
        facts["prior_complaint_lodged"] = True
    speaks_of_lodging = bool(facts.get("prior_complaint_lodged"))
    if speaks_of_lodging or (lodged and "prior_complaint_lodged" not in facts):
        if _CLOSED.search(folded):
            facts["complaint_closed"] = True
            if _STILL_A_PROBLEM.search(folded):
                facts["problem_persists"] = True
        elif _STILL_OPEN.search(folded):
            facts["complaint_closed"] = False
        if _NO_RESPONSE_TIME.search(folded):
            facts["entity_gave_response_time"] = False
        lodged_on = _complaint_date(text, reference, today) if speaks_of_lodging else None
        if lodged_on is not None:
            facts["prior_complaint_date"] = lodged_on
    elif _NO_RESPONSE_TIME.search(folded):
        facts["entity_gave_response_time"] = False
    return facts


def _complaint_date(text: str, reference: str | None, today: date) -> str | None:
    """A date in a message about the complaint; the reference's digits are not a date."""
    plain = _plain(text)
    if reference:
        plain = re.sub(re.escape(reference), " ", plain, flags=re.IGNORECASE)
    parsed = dates.parse_user_date(plain, today)
    if parsed.error or parsed.value is None:
        return None
    return dates.format_date_iso(parsed.value)


def personal_facts(text: str) -> dict[str, Any]:
    """A national ID, a Saudi mobile, an e-mail and a cued name found in `text`."""
    plain = _plain(text)
    facts: dict[str, Any] = {}
    email = _EMAIL.search(plain)
    if email:
        facts["email"] = email.group(0)
        plain = plain.replace(email.group(0), " ")
    for run in _DIGIT_RUN.finditer(plain):
        digits = run.group(0)
        national_id = personal.parse_national_id(re.sub(r"[\s-]", "", digits))
        if national_id.error is None and "national_id" not in facts:
            facts["national_id"] = national_id.value.number
            continue
        mobile = personal.parse_mobile(digits)
        if mobile.error is None and "mobile" not in facts:
            facts["mobile"] = mobile.value
    named = _NAME_CUE.search(to_ascii_digits(text or ""))
    if named:
        name = _NAME_END.sub("", named["name"]).strip()
        parsed = personal.parse_full_name(name)
        if parsed.error is None:
            facts["full_name"] = parsed.value
    return facts


def read_facts(
    text: str,
    today: date,
    *,
    report_type: str | None = None,
    language: str | None = None,
    lodged: bool | None = None,
) -> dict[str, Any]:
    """Every fact `text` gives: the complaint's (for a complaint, or before a type is chosen),
    the platform (a catalogue name, in the conversation's language), and personal data."""
    facts: dict[str, Any] = {}
    if report_type in (None, "complaint_escalation"):
        facts.update(complaint_facts(text, today, lodged=lodged))
    if report_type != "transformation_request":
        match = find_platform_in_text(text)
        if match is not None:
            facts["platform"] = match.platform.name(language)
    facts.update(personal_facts(text))
    return facts


# Types whose forms ask the platform; a catalogue platform also says the service is digital
# for the two that ask that.
_ASKS_PLATFORM = frozenset({"complaint_escalation", "development_suggestion", "entity_outage"})
_ASKS_DIGITAL = frozenset({"complaint_escalation", "development_suggestion"})
# Replies that are a whole answer to their question even inside a longer sentence: for
# these the fact found in the sentence is the answer ("JAW-2026-88213 on 3 November").
SENTENCE_ANSWERS = frozenset({"prior_complaint_ref", "full_name", "email"})


def facts_to_take(
    facts: dict[str, Any], *, report_type: str | None, slots: dict[str, Any]
) -> dict[str, Any]:
    """The facts that fill slots still empty in a report of `report_type`."""
    taken: dict[str, Any] = {}
    for name, value in facts.items():
        if slots.get(name) is not None:
            continue  # answered already: changing it is a correction, not a volunteered fact
        if name in COMPLAINT_FACTS and report_type != "complaint_escalation":
            continue
        if name == "platform" and report_type not in _ASKS_PLATFORM:
            continue
        taken[name] = value
    if "platform" in taken and report_type in _ASKS_DIGITAL and slots.get(
        "service_is_digital"
    ) is None:
        taken["service_is_digital"] = True
    return taken
