"""A cooperative user, scripted: what it answers to each of the intake's questions.

The live tests (tests/integration/), the benchmarks (bench/serve.py, bench/load.py) and
scripts/transcript.py walk a report to its summary with these tables: each entry is a
phrase of a question (Arabic or English) and the answer typed to it. `{prior_ref}`,
`{service}` and `{code}` (the one-time code just sent) are filled in by the caller.
"""

from __future__ import annotations

__all__ = ["AR_ANSWERS", "EN_ANSWERS", "VALID_ID"]

# A valid Saudi national ID (its Luhn check digit is right) that belongs to nobody.
VALID_ID = "1000000008"

# What a cooperative user answers to each question (found by a phrase of the question).
AR_ANSWERS = [
    ("هل قدمت شكوى للجهة", "نعم"),
    ("هل أغلقت الجهة شكواك", "لا"),
    ("هل حددت الجهة مدة للرد", "لا"),
    ("متى قدّمتها", "قبل ثلاث اسابيع"),
    ("ما رقم الشكوى", "{prior_ref}"),
    ("هل الخدمة التي تشتكي منها خدمة رقمية", "رقمية"),
    ("هل الخدمة ورقية", "نعم"),
    ("هل للخدمة بديل رقمي", "لا"),
    ("ما صفتك", '/choose{"choice": "crisis_manager"}'),
    ("ما نوع البلاغ", '/choose{"choice": "own_service"}'),
    ("ما اسم المنصة", "أبشر"),
    ("ما اسم الخدمة", "{service}"),
    ("عبر أي قناة", "الموقع"),
    ("ما اسم الجهة", "وزارة الداخلية"),
    ("عنوانًا قصيرًا", "تعطل الخدمة"),
    ("هل تقصد", "لا"),
    ("ضمن المنصات والخدمات المسجلة", "نعم"),
    ("صف المشكلة", "تظهر رسالة خطأ عند إكمال الطلب منذ أسبوع ولم تحل المشكلة"),
    ("أرسل صور الشاشة", "لا توجد مرفقات"),
    ("ما اسمك الكامل", "عبدالله بن فهد الدوسري"),
    ("رقم الهوية", VALID_ID),
    ("رقم جوالك", "0551234567"),
    ("رمز تحقق", "{code}"),
    ("بريدك الإلكتروني", "تخطي"),
]
EN_ANSWERS = [
    ("Have you lodged one", "yes"),
    ("Has the entity closed", "no"),
    ("Did the entity give you a response time", "no"),
    ("When did you lodge it", "three weeks ago"),
    ("number of the complaint", "{prior_ref}"),
    ("a digital one (website or app)", "/affirm"),
    ("Is the service a paper one", "yes"),
    ("digital alternative", "no"),
    ("What is your role", '/choose{"choice": "deputy"}'),
    ("What kind of report", '/choose{"choice": "scheduled_maintenance"}'),
    ("name of the platform", "Absher"),
    ("name of the service", "{service}"),
    ("Through which channel", "website"),
    ("name of the government entity", "Ministry of Interior"),
    ("short title", "Service outage"),
    ("Do you mean", "no"),
    ("among the platforms and services", "yes"),
    ("I only need to know", "yes"),  # the name waiting, asked again plainly
    ("describe it in detail", "An error message appears when I complete the request."),
    ("Send any screenshots", "/deny"),
    ("full name", "Fatimah Al Harbi"),
    ("national ID or iqama", VALID_ID),
    ("mobile number", "0551234567"),
    ("6-digit code", "{code}"),
    ("e-mail address", "/deny"),
]
