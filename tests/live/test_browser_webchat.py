"""The web widget in a real browser: Debian's chromium driven by Playwright, against the
running assistant (`python -m bot serve`, started once for the module).

Covers a full Arabic filing with a screenshot upload, an English question, a reload that
keeps the conversation, keyboard-only use with the ARIA names in both languages, a
phone-sized screen, and the back office's notifications reaching an open widget. Screenshots
of the widget are saved under tests/_artifacts/ (ignored by git) for people to look at.

Chromium is a system package (`apt-get install -y chromium`, which `.ci/run` and, as root,
`make test` do): without it these tests fail and say so, they are never skipped.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    expect,
    sync_playwright,
)

from bot.agent.desk import Desk
from bot.clock import OffsetClock
from bot.notify.dispatcher import dispatch_once
from bot.store import handoffs
from bot.store.reports.drafts import ReportDraft
from bot.store.repository import ReportRepository
from tests.live import ON_DUTY, ROOT, AssistantProcess

pytestmark = pytest.mark.servers

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "_artifacts"
WEBHOOK = "/webhooks/webchat/webhook"
DESKTOP = {"width": 1100, "height": 780}
PHONE = {"width": 390, "height": 844}
VALID_ID = "1000000008"
REFERENCE = re.compile(r"BR-[0-9A-Z]{8}")
INBOX_POLL_S = 15  # widget.js POLL_MS

# Reads the widget's state inside its (open) shadow root.
WIDGET_JS = "document.querySelector('#balagh-webchat').shadowRoot"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the web widget is tested in Debian's chromium. Install it "
            "with `apt-get install -y chromium` (as root; `.ci/run` does it, and so does "
            "`make test` when run as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def assistant(browser: Browser, shared_assistant: AssistantProcess) -> AssistantProcess:
    """The session's assistant (tests/conftest.py), on a Sunday morning: the call centre's
    agents are on duty (a person: the queue)."""
    return shared_assistant


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage) per test."""
    context = browser.new_context(viewport=DESKTOP, locale="ar-SA")
    yield context
    context.close()


def png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(buffer, format="PNG")
    return buffer.getvalue()


class Widget:
    """The widget on the demo page, used the way a person uses it."""

    def __init__(self, page: Page, assistant: AssistantProcess) -> None:
        self.page = page
        self.assistant = assistant
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        # Playwright turns on file-chooser interception when the first listener comes; done
        # here, a chooser opened by a key press (no round trips before it) is never missed.
        page.on("filechooser", lambda chooser: None)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self) -> Widget:
        self.page.goto(f"{self.assistant.base}/webchat/")
        return self.ready()

    def ready(self) -> Widget:
        self.page.wait_for_selector("#balagh-webchat", state="attached")
        self.page.evaluate("() => window.BalaghWebchat.ready")  # history loaded
        expect(self.log).to_have_attribute("aria-busy", "false")
        return self

    @property
    def host(self) -> Locator:
        return self.page.locator("#balagh-webchat")

    @property
    def log(self) -> Locator:
        return self.page.locator(".log")

    @property
    def textbox(self) -> Locator:
        return self.page.locator("textarea")

    @property
    def quick_replies(self) -> Locator:
        return self.page.locator(".quick-replies button")

    def bot_texts(self) -> list[str]:
        return self.page.locator(".message.bot .text").all_text_contents()

    def transcript(self) -> list[tuple[str, str, list[str]]]:
        """Each message: who, its text, the names of its files."""
        return self.page.evaluate(
            f"""() => Array.from({WIDGET_JS}.querySelectorAll('.message')).map(m => [
                m.classList.contains('user') ? 'user' : 'bot',
                (m.querySelector('.text') || {{textContent: ''}}).textContent,
                Array.from(m.querySelectorAll('.files .name')).map(n => n.textContent),
            ])"""
        )

    def sender(self) -> str | None:
        return self.page.evaluate("() => localStorage.getItem('balagh-webchat:sender')")

    def _exchange(self, action: Any) -> str:
        """Do `action`, wait for the channel's answer, return the new bot messages' text."""
        before = len(self.bot_texts())
        with self.page.expect_response(lambda r: r.url.endswith(WEBHOOK)) as response:
            action()
        assert response.value.ok, response.value.text()
        expect(self.log).to_have_attribute("aria-busy", "false")
        expect(self.page.locator(".typing")).to_be_hidden()
        return "\n".join(self.bot_texts()[before:])

    def say(self, text: str) -> str:
        def type_and_enter() -> None:
            self.textbox.fill(text)
            self.textbox.press("Enter")

        return self._exchange(type_and_enter)

    def click(self, title: str) -> str:
        button = self.quick_replies.filter(has_text=re.compile(f"^{re.escape(title)}$"))
        return self._exchange(button.click)

    def answer(self, text: str) -> str:
        """Click the quick reply that says `text` when there is one, else type it."""
        exact = re.compile(f"^{re.escape(text)}$")
        if self.quick_replies.filter(has_text=exact).count():
            return self.click(text)
        return self.say(text)

    def send_files(self) -> str:
        return self._exchange(self.page.locator(".composer .send").click)

    def choose_files(self, *files: dict[str, Any], keyboard: bool = False) -> None:
        with self.page.expect_file_chooser() as chooser:
            if keyboard:
                self.page.keyboard.press("Enter")
            else:
                self.page.locator(".attach").click()
        chooser.value.set_files(list(files))

    def direction(self) -> tuple[str | None, str | None]:
        return self.host.get_attribute("lang"), self.host.get_attribute("dir")

    def focused(self) -> str:
        """What has the keyboard focus inside the widget: `tag.class` or `tag[aria-label]`."""
        return self.page.evaluate(
            f"""() => {{
                const el = {WIDGET_JS}.activeElement;
                if (!el) return '';
                return el.tagName.toLowerCase() + '.' + el.className + '|' +
                    (el.getAttribute('aria-label') || el.textContent.trim());
            }}"""
        )


def ltr_on_screen(bdi: Locator) -> bool:
    """True when the isolated text's first character is drawn left of its last one."""
    return bdi.evaluate(
        """node => {
            const text = node.firstChild;
            const range = document.createRange();
            range.setStart(text, 0); range.setEnd(text, 1);
            const first = range.getBoundingClientRect();
            range.setStart(text, text.length - 1); range.setEnd(text, text.length);
            const last = range.getBoundingClientRect();
            return first.left < last.left;
        }"""
    )


def test_arabic_filing_with_a_screenshot_and_a_reload(
    assistant: AssistantProcess, context: BrowserContext, artifacts: Path
) -> None:
    widget = Widget(context.new_page(), assistant).open()
    assert widget.direction() == ("ar", "rtl")
    expect(widget.page.get_by_role("dialog", name="بلاغ رقمي")).to_be_visible()
    font = widget.page.locator(".frame").evaluate("el => getComputedStyle(el).fontFamily")
    assert "Noto Naskh Arabic" in font and "Tahoma" in font

    reply = widget.say("السلام عليكم، رفعت شكوى على منصة قوى من ثلاث اسابيع وللحين محد رد علي")
    assert "قوى" in reply and "هل هذا صحيح" in reply, reply
    assert widget.sender() and widget.sender().startswith("web-")
    expect(widget.page.get_by_role("group", name="ردود سريعة")).to_be_visible()
    # lodged three weeks ago and no reply, as the user said: not asked again
    assert "مدة للرد" in widget.click("نعم، تصعيد شكوى")
    expect(widget.quick_replies.filter(has_text="لا، شيء آخر")).to_have_count(0)
    reply = widget.answer("لا")
    assert "رقم الشكوى" in reply, reply
    reply = widget.answer("Q-58302")  # a number no other test of the session escalates
    assert "فيحق لك التصعيد" in reply, reply
    assert widget.direction() == ("ar", "rtl"), "a short Latin answer must not flip the widget"
    for text in ("نقل خدمات", "التطبيق", "تعذر نقل الخدمات"):
        widget.answer(text)
    reply = widget.answer("أحاول نقل خدمات عامل منذ شهر وتظهر رسالة خطأ في كل مرة")
    assert "صور الشاشة" in reply, reply

    # files are checked in the browser before anything is sent
    widget.choose_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a screenshot"},
        {"name": "huge.png", "mimeType": "image/png", "buffer": png() + b"\0" * 10_485_760},
    )
    alert = widget.page.get_by_role("alert")
    expect(alert).to_contain_text("notes.txt")
    expect(alert).to_contain_text("huge.png")
    expect(alert).to_contain_text("10 ميغابايت")
    expect(widget.page.locator(".previews")).to_be_hidden()
    widget.choose_files({"name": "خطأ.png", "mimeType": "image/png", "buffer": png()})
    preview = widget.page.get_by_role("list", name="الملفات المختارة")
    expect(preview).to_be_visible()
    expect(preview.locator("img.thumb")).to_have_attribute("src", re.compile("^blob:"))
    expect(preview).to_contain_text("خطأ.png")
    expect(preview.get_by_role("button", name="إزالة الملف خطأ.png")).to_be_visible()
    assert widget.page.locator(".previews img").evaluate("img => img.naturalWidth") == 320
    widget.page.screenshot(path=artifacts / "webchat-ar-preview.png")
    reply = widget.send_files()
    assert "خطأ.png" in reply and "انتهيت" in reply, reply
    expect(widget.page.locator(".message.user .files img.thumb")).to_have_count(1)
    expect(widget.page.locator(".previews")).to_be_hidden()

    assert "اسمك الكامل" in widget.answer("انتهيت")
    widget.answer("محمد بن سعد العتيبي")
    widget.answer(VALID_ID)
    asked = widget.answer("0551234567")
    assert "رمز تحقق" in asked, asked  # a new mobile is proven with a code sent to it
    assert "تأكدنا من رقم جوالك" in widget.answer(assistant.last_code())
    reply = widget.answer("تخطي")  # no e-mail
    assert "ملخص بلاغك" in reply and "Q-58302" in reply, reply
    reply = widget.answer("إرسال")
    match = REFERENCE.search(reply)
    assert match and "5 أيام عمل" in reply, reply
    reference = match.group()

    # the reference and the due date stay left-to-right inside the Arabic sentence
    last = widget.page.locator(".message.bot").last
    ref_bdi = last.locator("bdi", has_text=reference)
    expect(ref_bdi).to_have_attribute("dir", "ltr")
    expect(ref_bdi).to_have_text(reference)
    assert ltr_on_screen(ref_bdi)
    date_bdi = last.locator("bdi", has_text=re.compile(r"^\d{4}-\d{2}-\d{2}$")).first
    assert ltr_on_screen(date_bdi)
    assert "\u2066" not in last.inner_text()
    widget.page.screenshot(path=artifacts / "webchat-ar.png")

    report = ReportRepository(assistant.env["DATABASE_URL"]).require(reference)
    assert report.type == "complaint_escalation" and report.language == "ar"
    assert report.channel == "web"
    (attachment,) = report.attachments
    assert attachment.filename == "خطأ.png" and attachment.content_type == "image/png"
    assert (Path(assistant.env["ATTACHMENTS_DIR"]) / attachment.stored_path).is_file()

    # a reload keeps the conversation: same session, same transcript, same language
    sender = widget.sender()
    before = widget.transcript()
    widget.page.reload()
    widget.ready()
    assert widget.sender() == sender
    assert widget.direction() == ("ar", "rtl")
    expect(widget.page.get_by_role("dialog", name="بلاغ رقمي")).to_be_visible()
    after = widget.transcript()
    assert after == before[1:], "the transcript after the reload differs"  # minus the welcome
    expect(widget.page.locator(".message.user .files")).to_contain_text("خطأ.png")
    last = widget.page.locator(".message.bot").last
    expect(last.locator("bdi", has_text=reference)).to_be_visible()
    widget.say("شكرًا")
    assert assistant.tracker(sender)["slots"]["report_ref"] == reference
    widget.page.screenshot(path=artifacts / "webchat-ar-reloaded.png")
    assert widget.errors == []


def test_english_question_switches_the_widget_to_english(
    assistant: AssistantProcess, context: BrowserContext, artifacts: Path
) -> None:
    widget = Widget(context.new_page(), assistant).open()
    assert widget.direction() == ("ar", "rtl")  # the demo page is Arabic
    reply = widget.say("how long does a report take?")  # a question of the FAQ
    assert "5 working days" in reply, reply
    reply = widget.say("what can you help me with?")  # the help answer has quick replies
    assert "I am the digital assistant" in reply and "199099" in reply, reply
    assert widget.direction() == ("en", "ltr")
    page = widget.page
    expect(page.get_by_role("dialog", name="Balagh Raqmi")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    expect(page.get_by_role("button", name="Attach a screenshot or PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Quick replies")).to_be_visible()
    expect(page.get_by_role("button", name="أكمل بالعربية")).to_have_attribute("lang", "ar")
    page.screenshot(path=artifacts / "webchat-en.png")

    # text is shown as text, never run as HTML
    widget.say("<img src=x onerror=\"document.title='pwned'\"> hello")
    expect(page.locator(".message.user").last).to_contain_text("<img src=x")
    expect(page.locator(".log img")).to_have_count(0)
    assert page.title() != "pwned"

    # the language button switches the conversation back to Arabic
    reply = widget._exchange(page.get_by_role("button", name="أكمل بالعربية").click)
    assert re.search("[\u0600-\u06ff]", reply), reply
    assert widget.direction() == ("ar", "rtl")
    expect(page.get_by_role("textbox", name="رسالتك")).to_be_visible()
    assert widget.errors == []


@contextmanager
def another_site(page_html: str) -> Iterator[str]:
    """A web site of its own (another origin: another port) serving `page_html` at /."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_embedded_in_another_site_with_one_tag(
    assistant: AssistantProcess, context: BrowserContext
) -> None:
    page_html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title>
<style>* {{ font: 40px serif; color: red; background: yellow; }}</style></head>
<body><h1>Another site</h1>
<script src="{assistant.base}/webchat/widget.js" defer></script></body></html>"""
    with another_site(page_html) as site:
        page = context.new_page()
        widget = Widget(page, assistant)
        page.goto(site)
        widget.ready()
        assert widget.direction() == ("en", "ltr")  # from the page's lang, before any message
        expect(page.locator(".panel")).to_be_hidden()  # no data-open: only the launcher
        page.get_by_role("button", name="Open the chat with the Balagh Raqmi assistant").click()
        expect(page.get_by_role("textbox", name="Your message")).to_be_focused()
        # the page's styles stay out of the widget
        send = page.locator(".composer .send")
        assert send.evaluate("el => getComputedStyle(el).backgroundColor") != "rgb(255, 255, 0)"
        assert widget.textbox.evaluate("el => getComputedStyle(el).fontSize") == "16px"
        reply = widget.say("what can you help me with?")  # cross-origin, through CORS
        assert "I am the digital assistant" in reply, reply
        assert widget.errors == []


def test_typing_indicator_and_a_failed_send(
    assistant: AssistantProcess, context: BrowserContext
) -> None:
    widget = Widget(context.new_page(), assistant).open()
    page = widget.page
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(f"**{WEBHOOK}", hold)
    widget.textbox.fill("السلام عليكم")
    widget.textbox.press("Enter")
    expect(page.locator(".typing")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("المساعد يكتب…")
    expect(page.locator(".composer .send")).to_be_disabled()
    expect(widget.log).to_have_attribute("aria-busy", "true")
    for _ in range(100):  # the route handler runs when Playwright next serves events
        if held:
            break
        page.wait_for_timeout(50)
    held.pop().abort()  # the network fails: nothing lost, the user is told
    expect(page.get_by_role("alert")).to_contain_text("تعذر الاتصال بالمساعد")
    expect(widget.textbox).to_have_value("السلام عليكم")
    expect(page.locator(".typing")).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("")
    expect(page.locator(".message.user")).to_have_count(0)
    page.unroute(f"**{WEBHOOK}", hold)
    reply = widget._exchange(lambda: widget.textbox.press("Enter"))  # sent again
    assert "بلاغ رقمي" in reply, reply
    expect(page.get_by_role("alert")).to_be_hidden()


def test_keyboard_alone(assistant: AssistantProcess, context: BrowserContext) -> None:
    widget = Widget(context.new_page(), assistant).open()
    page, keyboard = widget.page, widget.page.keyboard
    # focus order: header (language, close), conversation, attach, message, send, launcher
    order = []
    for _ in range(7):
        keyboard.press("Tab")
        order.append(widget.focused())
    assert [entry.split("|")[0] for entry in order] == [
        "button.switch", "button.close", "div.log", "button.attach", "textarea.",
        "button.send", "button.launcher",
    ], order
    assert [entry.split("|")[1] for entry in order][:2] == ["Continue in English", "إغلاق المحادثة"]

    # Escape closes the panel and gives the focus back to the launcher; Enter reopens it
    keyboard.press("Shift+Tab")
    keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert widget.focused().startswith("button.launcher")
    expect(page.get_by_role("button", name="فتح المحادثة مع مساعد بلاغ رقمي")).to_have_attribute(
        "aria-expanded", "false"
    )
    keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    assert widget.focused().startswith("textarea")

    def type_question() -> None:
        keyboard.type("what can you help me with?")
        keyboard.press("Enter")

    assert "I am the digital assistant" in widget._exchange(type_question)
    assert widget.focused().startswith("textarea")
    # the quick reply is reached backwards from the message box, and pressed with Enter
    keyboard.press("Shift+Tab")
    keyboard.press("Shift+Tab")
    assert widget.focused() == "button.quick|Report types"
    reply = widget._exchange(lambda: keyboard.press("Enter"))
    assert "report types" in reply.lower(), reply
    assert widget.focused().startswith("textarea")

    # a file chosen and removed by keyboard
    keyboard.press("Shift+Tab")
    assert widget.focused().startswith("button.attach")
    widget.choose_files({"name": "shot.png", "mimeType": "image/png", "buffer": png()},
                        keyboard=True)
    expect(page.locator(".previews .file")).to_have_count(1)
    while not widget.focused().startswith("button.remove"):
        keyboard.press("Tab")
    assert widget.focused() == "button.remove|Remove the file shot.png"
    keyboard.press("Enter")
    expect(page.locator(".previews")).to_be_hidden()
    assert widget.errors == []


def test_phone_sized_screen(
    assistant: AssistantProcess, browser: Browser, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ar-SA")
    try:
        widget = Widget(context.new_page(), assistant).open()
        panel = widget.page.locator(".panel").bounding_box()
        assert panel == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
        assert widget.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        expect(widget.page.locator(".launcher")).to_be_hidden()  # the panel covers the screen
        reply = widget.say("السلام عليكم")
        assert "بلاغ رقمي" in reply, reply
        for control in (widget.textbox, widget.page.locator(".composer .send"),
                        widget.page.locator(".attach"), widget.quick_replies.first):
            box = control.bounding_box()
            assert box and box["height"] >= 40 and 0 <= box["x"] <= PHONE["width"] - box["width"]
        widget.page.screenshot(path=artifacts / "webchat-phone-ar.png")
        widget.page.get_by_role("button", name="إغلاق المحادثة").tap()
        expect(widget.page.locator(".launcher")).to_be_visible()
        assert widget.errors == []
    finally:
        context.close()


def test_back_office_notices_reach_the_widget(
    assistant: AssistantProcess,
    context: BrowserContext,
    artifacts: Path,
    make_draft: Callable[..., ReportDraft],
) -> None:
    widget = Widget(context.new_page(), assistant).open()
    page = widget.page
    assert "بلاغ رقمي" in widget.say("السلام عليكم")
    sender = widget.sender()
    assert sender and sender.startswith("web-")

    # the back office moves a report of this conversation on: the widget's poll brings it
    repo = ReportRepository(assistant.env["DATABASE_URL"])
    # filed now: a draft of the default date (2024) is long overdue, and the server's
    # scheduler, ticking each minute, rightly adds a delay notice to the count
    now = datetime.now(UTC)
    draft = make_draft(
        channel="web", sender_id=sender, language="ar", created_at=now,
        due_at=now + timedelta(days=7),
    )
    reference = repo.file_report(draft, f"browser-{sender}").reference
    repo.set_status(reference, "under_review")
    dispatch_once(repo.engine)  # or the server's scheduler, whichever claims it first
    notices = page.get_by_role("log").locator(".message.notice")
    expect(notices).to_have_count(1, timeout=(INBOX_POLL_S + 10) * 1000)
    first = notices.first
    expect(first.locator(".notice-label")).to_have_text("إشعار")
    expect(first.locator(".text")).to_contain_text("قيد المراجعة الآن لدى مركز آمر")
    expect(first).to_have_class(re.compile(r"\bbot\b"))  # shown as the assistant's message
    ref_bdi = first.locator("bdi", has_text=reference)
    expect(ref_bdi).to_have_attribute("dir", "ltr")
    assert ltr_on_screen(ref_bdi)
    assert first.locator(".bubble").text_content().startswith("إشعار: ")  # what is read out
    assert "\u2066" not in first.inner_text()
    page.screenshot(path=artifacts / "webchat-ar-notice.png")

    # with the panel closed, the launcher says a notification came (asked at once when the
    # page becomes visible again)
    page.get_by_role("button", name="إغلاق المحادثة").click()
    repo.set_status(reference, "referred")
    dispatch_once(repo.engine)
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    launcher = page.get_by_role("button", name="فتح المحادثة مع مساعد بلاغ رقمي (إشعار جديد)")
    expect(launcher).to_be_visible()
    expect(page.locator(".launcher .badge")).to_be_visible()
    page.screenshot(path=artifacts / "webchat-ar-notice-closed.png")
    launcher.click()
    expect(page.locator(".launcher .badge")).to_be_hidden()
    expect(notices).to_have_count(2)
    expect(notices.last.locator(".text")).to_contain_text("أُحيل بلاغك")

    # taken once: a reload shows them again from the history, in their place, not twice
    before = widget.transcript()
    page.reload()
    widget.ready()
    assert widget.transcript() == before[1:]  # minus the welcome
    expect(notices).to_have_count(2)
    expect(page.locator(".launcher .badge")).to_be_hidden()
    assert widget.errors == []


def test_a_call_centre_agent_answers_in_the_widget(
    assistant: AssistantProcess, context: BrowserContext, artifacts: Path
) -> None:
    widget = Widget(context.new_page(), assistant).open()
    page = widget.page
    reply = widget.say("ابي اكلم موظف")
    assert "طلبت لك موظفًا" in reply, reply
    sender = widget.sender()
    request = handoffs.current(assistant.env["DATABASE_URL"], sender)
    assert request is not None and request.channel == "web" and request.state == "waiting"

    # an agent takes the chat at the console; their line reaches the open widget by its poll
    clock = OffsetClock(datetime.fromisoformat(ON_DUTY))
    desk = Desk("A17", assistant.env["DATABASE_URL"], clock=clock)
    assert desk.take(request.id) is not None
    desk.say("السلام عليكم، معك نورة من مركز آمر. كيف أخدمك؟")
    agent_lines = page.get_by_role("log").locator(".message.notice")
    expect(agent_lines).to_have_count(1, timeout=10_000)  # polled every 3 s in a chat
    expect(agent_lines.first.locator(".notice-label")).to_have_text("موظف مركز آمر")
    expect(agent_lines.first.locator(".text")).to_contain_text("معك نورة")
    page.screenshot(path=artifacts / "webchat-ar-agent.png")

    # the user answers in the widget: the agent reads it; the agent hands back
    assert widget.say("ابي اعرف ليش تجديد الجواز يعلق") == ""  # for the agent, no bot reply
    lines, still_open = desk.incoming()
    assert [line.text for line in lines] == ["ابي اعرف ليش تجديد الجواز يعلق"] and still_open
    # a reload shows the agent's line again from the history, in its place, once
    page.reload()
    widget.ready()
    expect(agent_lines).to_have_count(1)
    expect(agent_lines.first.locator(".notice-label")).to_have_text("موظف مركز آمر")
    texts = [text for _who, text, _files in widget.transcript()]
    agent_at = next(i for i, text in enumerate(texts) if "معك نورة" in text)
    answer_at = next(i for i, text in enumerate(texts) if "تجديد الجواز يعلق" in text)
    assert agent_at < answer_at, texts
    desk.hand_back()
    reply = widget.say("شكرا")
    assert "أعادها إليّ" in reply, reply
    assert widget.errors == []
