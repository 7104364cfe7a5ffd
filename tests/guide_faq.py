"""Every question of the official guide's FAQ (seed 003, «الأسئلة الشائعة», as the guide words
them, in its order and sections; a question the guide repeats in two sections is listed in
each) and what answers it: the FAQ key (`faq/<key>`, answered by
`utter_faq/<key>`), or, where the guide's answer is "submit one", the intent that starts it.
tests/unit/test_faq_data.py checks the keys exist; tests/integration/test_live_faq.py asks
each question of the running assistant."""

from __future__ import annotations

# (section, question, FAQ key or "intent:<name>")
GUIDE_FAQ: tuple[tuple[str, str, str], ...] = (
    ("general", "هل يمكن تصعيد شكوى على خدمة ورقية؟", "paper_service_complaint"),
    ("general", "كيف يمكن مشاركة المستندات المطلوبة في حال تغيير حالة البلاغ إلى \"نقص البيانات\"؟",
     "missing_data_documents"),
    ("general", "ما مهلة معالجة الشكوى لدى الجهة الحكومية في حال عدم وجود مستوى خدمة للشكوى؟",
     "sla_no_entity_sla"),
    ("general", "في حال وجود أخطاء في بيانات البلاغ المقدم، ما الإجراء؟", "report_errors"),
    ("general", "ما مستوى الخدمة عند تصعيد شكوى في بلاغ رقمي؟", "escalation_sla"),
    ("general", "ما مدة استكمال نقص المستندات عند تغيير حالة البلاغ إلى \"نقص البيانات\"؟",
     "missing_data_deadline"),
    ("general", "هل يمكن للمستفيد رفع شكوى دون توفر رقم شكوى سابقة لدى الجهة الحكومية؟",
     "complaint_without_number"),
    ("general", "هل يمكن تصعيد شكوى مغلقة تتعلق بإجراءات الجهة المقدمة للخدمة من خلال خدمة بلاغ"
     " رقمي؟", "closed_procedure_complaint"),
    ("complaint", "ما خطوات مشاركة المستندات عند تغيير حالة البلاغ إلى \"نقص البيانات\"؟",
     "upload_steps"),
    ("complaint", "كيف يمكن تقييم مستوى الرضا عن استجابة الجهة المقدمة للخدمة؟",
     "rate_entity_response"),
    ("complaint", "كيف يمكن مشاركة صورة من المشكلة التقنية التي يواجهها المستفيد؟",
     "share_screenshot"),
    ("complaint", "هل يتم إشعار المستفيد عند قبول طلب إعادة فتح الشكوى؟", "reopen_notification"),
    ("complaint", "هل يمكن تصعيد شكوى تقنية أغلقت من قبل الجهة المقدمة للخدمة؟",
     "closed_technical_complaint"),
    ("complaint", "كيف يمكن تقييم تجربة المستفيد لخدمة بلاغ رقمي؟", "rate_service"),
    ("transformation", "جهة حكومية تقدم خدمة بشكل ورقي، ما آلية رفع طلب تحويل الخدمة إلى خدمة"
     " إلكترونية؟", "transformation_request"),
    ("transformation", "كيف يمكن إرسال المستندات إلى مركز أمر في حال وجود نقص في المتطلبات؟",
     "missing_data_documents"),
    ("transformation", "ما المقصود بـخدمة (تحول رقمي)؟", "transformation_request"),
    ("transformation", "ما إجراءات معالجة بلاغ (تحول رقمي)؟", "transformation_request"),
    ("transformation", "كيف يمكن تقييم مستوى الرضا عن الحل المقدم من قبل الجهة؟",
     "rate_entity_response"),
    ("transformation", "في حال وجود أخطاء في بيانات البلاغ المقدم، ما الإجراء؟", "report_errors"),
    ("transformation", "ما الإجراء المتبع في حال تم قبول البلاغ المقدم على خدمة (طلب تحول)؟",
     "request_accepted"),
    ("transformation", "كيف يمكن تقييم تجربة المستفيد لخدمة طلب تحول؟", "rate_service"),
    ("suggestion", "كيف يمكن تقييم مستوى الرضا عن الحل المقدم من قبل الجهة؟",
     "rate_entity_response"),
    ("suggestion", "هل يمكن طلب تطوير لخدمة ورقية؟", "paper_service_suggestion"),
    ("suggestion", "ما الإجراء المتبع في حال تم قبول البلاغ المقدم على خدمة (اقتراح تطوير)؟",
     "request_accepted"),
    ("suggestion", "ما المقصود بطلب اقتراح تطوير؟", "development_suggestion"),
    # the guide's answer: submit a Development suggestion; the assistant starts one
    ("suggestion", "كيف يمكن تقديم اقتراح تطوير لإحدى الخدمات الحكومية الرقمية؟",
     "intent:suggest_development"),
    ("suggestion", "في حال وجود أخطاء في بيانات البلاغ المقدم، ما الإجراء؟", "report_errors"),
    ("suggestion", "كيف يمكن تقييم تجربة المستخدم لخدمة اقتراح تطوير؟", "rate_service"),
    ("suggestion", "كيف يمكن إرسال المستندات إلى مركز أمر في حال وجود نقص في المتطلبات؟",
     "missing_data_documents"),
)
