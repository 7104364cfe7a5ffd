"""Which language a message is in, and which language the conversation continues in.

Pure functions, no Rasa. The assistant speaks Arabic ("ar") and English ("en"):

* `detect_script` says which alphabet(s) a message uses;
* `language_of` says which of the two languages a message is written in;
* `requested_language` recognises an explicit request to switch ("English please",
  "كلمني عربي");
* `decide_language` combines them with the conversation so far and the slot being asked
  for into the language of the conversation after the message.

Everything works on `normalise_text` output, so spelling variants (أ/ا, ى/ي, ة/ه) and
Arabic-Indic digits behave alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from bot.nlu.normalise import normalise_text

__all__ = [
    "DATA_SLOTS",
    "DEFAULT_LANGUAGE",
    "Language",
    "Script",
    "decide_language",
    "detect_script",
    "language_after_message",
    "language_of",
    "requested_language",
]

Language = Literal["ar", "en"]
Script = Literal["arabic", "latin", "mixed", "none"]

# The service is Saudi: with nothing else to go on, speak Arabic.
DEFAULT_LANGUAGE: Language = "ar"

# Slots whose answer is data, not language: a name, a platform or an e-mail address typed
# in Latin letters during an Arabic conversation (or the reverse) must not switch languages.
DATA_SLOTS = frozenset(
    {
        "handoff_over",  # a message to a call-centre agent
        "full_name",
        "national_id",
        "mobile",
        "email",
        "prior_complaint_ref",
        "prior_complaint_date",
        "platform",
        "service_name",
        "entity_name",
    }
)
# In a data slot, an answer of at most this many words never switches languages.
SHORT_ANSWER_WORDS = 3
# The smaller script is a real share ("mixed") from this many letters and this fraction.
MIXED_MIN_LETTERS = 2
MIXED_MIN_SHARE = 0.10
# Arabic omits short vowels, so the same words take fewer letters than in English; letter
# counts (used only to break a tie in word counts) weigh Arabic letters up by this factor.
ARABIC_LETTER_WEIGHT = 1.5

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+(?:sa|com|net|org|gov|edu|io|me)\b(?:/\S*)?",
    re.IGNORECASE,
)
# Report references (BR-7K3Q9PX2), also typed without the dash when they contain a digit.
_REPORT_REF = re.compile(r"\bBR-[0-9A-Z]{8}\b|\bBR ?(?=[A-Z]*[0-9])[0-9A-Z]{8}\b", re.IGNORECASE)
# Arabizi (Arabic in Latin letters) writes ع ح خ ء ... as digits before a letter: 3arabi, 7ala.
_ARABIZI_DIGIT_WORD = re.compile(r"^(?=(?:.*[a-z]){2})[a-z]*[2356789][a-z][a-z2356789]*$")


def _norm_words(words: Iterable[str]) -> frozenset[str]:
    """Word lists are written as people spell them and compared in normalised form."""
    return frozenset(normalise_text(word).lower() for word in words)


# Common Arabizi words, so that "salam" or "3arabi" counts as Arabic, not English.
_ARABIZI_WORDS = _norm_words(
    "salam salaam assalam alaikum alaykum hala marhaba marhba ahlan yalla yallah shukran "
    "inshallah wallah abi abgha abgh wesh wsh lesh leesh shlonak kaifak mashkila "
    "msh mo mob ana ya ayb 3arabi arabi".split()
)

# Function words: a "real sentence" in a language contains at least one of them, a name
# or a platform typed in answer to a data slot does not.
_FUNCTION_WORDS: dict[Language, frozenset[str]] = {
    "en": _norm_words(
        "i i'm im me my you your we our it it's is are am was were be been the a an to of "
        "in on at for from with and or but not no don't dont do does did can can't cant "
        "could would will have has had this that there what how why where when which who "
        "please want need like help about because so if".split()
    ),
    "ar": _norm_words(
        "أنا انت أنت انتم احنا نحن هو هي في من على عن إلى مع ما مو مب لا لم لن هل كيف وش "
        "ايش ليش لماذا متى وين أين ابي أبغى ابغا أريد ودي عندي هذا هذي هذه ذا اللي الذي "
        "التي لو إذا كان بس لكن أو يا ممكن لأن عشان حتى قد لقد ثم".split()
    ),
}

# Single chat tokens that both Arabic and English speakers type; they switch nothing.
# One-word replies that answer a question in any language: "yes" in an Arabic conversation,
# «ايه» in an English one, never switch it (issue #17). A greeting still does ("Hi").
_NEUTRAL_MESSAGES = _norm_words(
    (
        "ok okay okey k kk thx lol hmm hmmm yes yeah yep yup ya no nope nah sure thanks "
        "thank ty please pls done fine correct right "
        "نعم ايه ايوه ايوا اي اكيد لا لأ تمام طيب اوكي اوك شكرا مشكور صح حسنا تم خلاص"
    ).split()
)

# Explicit requests: every word must come from these sets (so "I speak Arabic but ..." or
# a mention inside another request does not count), and at least one names a language.
_LANGUAGE_WORDS: dict[Language, frozenset[str]] = {
    "ar": _norm_words(
        "arabic arabi arab 3arabi ar عربي العربي بالعربي عربية العربية بالعربية "
        "للعربي للعربية".split()
    ),
    "en": _norm_words(
        "english eng inglish englsh en انجليزي إنجليزي الانجليزي بالانجليزي الإنجليزية "
        "بالإنجليزية للانجليزي للإنجليزية انقلش بالانقلش انجلش بالانجلش انجليش بالانجليش "
        "انكليزي بالانكليزي انقليزي بالانقليزي".split()
    ),
}
_REQUEST_WORDS = _norm_words(
    # English
    "please pls plz can could would will we you i me us let let's lets continue go on "
    "speak talk chat reply respond answer write switch change from to into in the language lang "
    "use with do want prefer only just sorry ok okay yes back now again version mode "
    "understand read know "
    # Arabic (and Gulf dialect)
    "ممكن نكمل كمل كمّل نتكلم تكلم تكلمني كلمني كلمنا اتكلم تتكلم تحدث نتحدث ابي أبغى ابغا "
    "أريد ودي بغيت خلنا خلينا لو سمحت سمحتي من فضلك فضلكم رد ردوا الرد علي اللغة لغة "
    "باللغة غير نغير حول نحول إلى يا طيب تمام اوك افهم اعرف اقرأ اكتب احكي تحكي حاكيني "
    "أرجوك رجاء الحين لي معي معاي بس فقط تقدر تقدرون".split()
)
# A negated mention asks for the other language: "ما افهم عربي", "I don't speak English".
_NEGATIONS = _norm_words(
    "not don't dont can't cant cannot ما مو مب ماني مااعرف ماعرف مافهم ماافهم لست مش".split()
)
_DESTINATION_MARKERS = _norm_words("to into إلى".split())
_REQUEST_MAX_WORDS = 8
_OTHER: dict[Language, Language] = {"ar": "en", "en": "ar"}
_TOKEN_STRIP = re.compile(r"[^\w'\s]+")


def _letter_script(char: str) -> Literal["arabic", "latin"] | None:
    if not char.isalpha() or char == "\u0640":  # tatweel is a letter only to Unicode
        return None
    name = unicodedata.name(char, "")
    if name.startswith("ARABIC"):
        return "arabic"
    if name.startswith("LATIN"):
        return "latin"
    return None


def _strip_non_words(text: str) -> str:
    """Remove what is not language: e-mail addresses, URLs and report references."""
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    return _REPORT_REF.sub(" ", text)


def _words(text: str) -> list[tuple[str, Literal["arabic", "latin"]]]:
    """Runs of letters of one script, with the script; an apostrophe stays inside a word."""
    words: list[tuple[str, Literal["arabic", "latin"]]] = []
    current: list[str] = []
    current_script: Literal["arabic", "latin"] | None = None
    for index, char in enumerate(text):
        script = _letter_script(char)
        inner_apostrophe = (
            char in "'’"
            and current_script == "latin"
            and index + 1 < len(text)
            and _letter_script(text[index + 1]) == "latin"
        )
        if inner_apostrophe:
            current.append("'")
            continue
        if script is not None and script == current_script:
            current.append(char)
            continue
        if current_script is not None:
            words.append(("".join(current), current_script))
        current, current_script = ([char], script) if script is not None else ([], None)
    if current_script is not None:
        words.append(("".join(current), current_script))
    return words


def _prepared(text: str) -> str:
    return _strip_non_words(normalise_text(text))


def detect_script(text: str) -> Script:
    """The alphabet(s) of `text`: "arabic", "latin", "mixed" or "none".

    "mixed" means both scripts have a real share of the letters. E-mail addresses, URLs,
    report references and digits are not counted; letters of other scripts (Cyrillic, ...)
    neither, so a message with only those is "none".
    """
    counts = {"arabic": 0, "latin": 0}
    for word, script in _words(_prepared(text)):
        counts[script] += len(word.replace("'", ""))
    total = counts["arabic"] + counts["latin"]
    if total == 0:
        return "none"
    minority = min(counts.values())
    if minority >= MIXED_MIN_LETTERS and minority / total >= MIXED_MIN_SHARE:
        return "mixed"
    return "arabic" if counts["arabic"] > counts["latin"] else "latin"


def _is_arabizi(token: str) -> bool:
    """A Latin-letter token that is Arabic: a known Arabizi word or digits used as letters."""
    return token in _ARABIZI_WORDS or bool(_ARABIZI_DIGIT_WORD.match(token))


def language_of(text: str) -> Language | None:
    """The language `text` is written in, or None when it has no Arabic or Latin letters.

    The language with more words wins (so Arabic with an English platform name is Arabic,
    and the reverse); a tie goes to the one with more (weighted) letters, then to Arabic.
    Arabizi words (salam, 3arabi) count as Arabic.
    """
    word_counts = {"ar": 0, "en": 0}
    letter_counts = {"ar": 0.0, "en": 0.0}
    for token in _prepared(text).split():
        if _is_arabizi(_TOKEN_STRIP.sub("", token.lower())):
            word_counts["ar"] += 1
            letter_counts["ar"] += sum(char.isalpha() for char in token)
            continue
        if any(char.isdigit() for char in token):
            continue  # a reference, a code, a number ("ABS-99120", "12/11"): no language
        for word, script in _words(token):
            language: Language = "ar" if script == "arabic" else "en"
            weight = ARABIC_LETTER_WEIGHT if script == "arabic" else 1.0
            word_counts[language] += 1
            letter_counts[language] += len(word.replace("'", "")) * weight
    if word_counts["ar"] == word_counts["en"] == 0:
        return None
    if word_counts["ar"] != word_counts["en"]:
        return "ar" if word_counts["ar"] > word_counts["en"] else "en"
    return "en" if letter_counts["en"] > letter_counts["ar"] else "ar"


def _request_tokens(text: str) -> list[str]:
    text = normalise_text(text).lower().replace("’", "'")
    return _TOKEN_STRIP.sub(" ", text).split()


def requested_language(text: str) -> Language | None:
    """The language an explicit switch request asks for ("English please", "كلمني عربي").

    Only short messages made entirely of request words and language names count; a
    negated one ("ما افهم عربي", "I don't speak English") asks for the other language.
    When both languages are named, the one after "to" / "إلى" (or written "للعربي")
    is the destination.
    """
    tokens = _request_tokens(text)
    if not tokens or len(tokens) > _REQUEST_MAX_WORDS:
        return None
    named: list[tuple[Language, bool]] = []
    negated = False
    for position, token in enumerate(tokens):
        language = next((lang for lang, words in _LANGUAGE_WORDS.items() if token in words), None)
        if language is not None:
            after_marker = position > 0 and tokens[position - 1] in _DESTINATION_MARKERS
            named.append((language, after_marker or token.startswith("لل")))
        elif token in _NEGATIONS:
            negated = True
        elif token not in _REQUEST_WORDS:
            return None
    languages = {language for language, _ in named}
    if len(languages) > 1:
        destinations = {language for language, is_destination in named if is_destination}
        if len(destinations) != 1 or negated:
            return None
        return destinations.pop()
    if not languages:
        return None
    language = languages.pop()
    return _OTHER[language] if negated else language


def _word_count(text: str) -> int:
    """Whitespace-separated tokens that contain a letter (e-mails, URLs, IDs excluded)."""
    return sum(1 for token in _prepared(text).split() if _words(token))


def _is_real_sentence(text: str, language: Language) -> bool:
    """More than a short answer, and containing a function word of `language`."""
    if _word_count(text) <= SHORT_ANSWER_WORDS:
        return False
    tokens = set(_request_tokens(text))
    return bool(tokens & _FUNCTION_WORDS[language])


def decide_language(previous: str | None, text: str, requested_slot: str | None = None) -> str:
    """The conversation language after the user sent `text`.

    An explicit request wins. A message without letters keeps the previous language (or
    the default, Arabic). While a data slot is asked for, only a real sentence (more than
    three words with a function word of its language) switches; elsewhere every message
    with a language decides, except one-word replies such as "ok", "yes" or «ايه».
    """
    requested = requested_language(text)
    if requested is not None:
        return requested
    fallback = previous or DEFAULT_LANGUAGE
    detected = language_of(text)
    if detected is None:
        return fallback
    if previous is None or detected == previous:
        return detected
    tokens = _request_tokens(text)
    if len(tokens) == 1 and tokens[0] in _NEUTRAL_MESSAGES:
        return previous
    if requested_slot in DATA_SLOTS and not _is_real_sentence(text, detected):
        return previous
    return detected


# The text Rasa gives an intent triggered through its HTTP API
# (rasa.shared.core.constants.EXTERNAL_MESSAGE_PREFIX), not imported: NLU stays Rasa-free.
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "


def language_after_message(
    previous: str | None, text: str, requested_slot: str | None = None
) -> str | None:
    """The new value of the conversation's `language` slot after `text`, or None if it stays.

    A button payload ("/intent{...}") says nothing about the language, nor does an intent
    Rasa's HTTP API triggered (a reminder: its text is "EXTERNAL: <intent>"). Used by both
    implementations of the slot mapping: the action server's `action_detect_language` and
    the in-process one of bot/runtime/rasa_tuning.py.
    """
    if text.startswith(("/", EXTERNAL_TEXT_PREFIX)):
        return None
    language = decide_language(previous, text, requested_slot)
    return None if language == previous else language
