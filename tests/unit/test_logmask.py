"""No personal data in the logs (bot/runtime/logmask.py): what is masked, what is not, and where.

The Rasa and sanic cases run in a child process configured the way `python -m bot serve`
configures the servers (Rasa's and Rasa SDK's `--logging-config-file`), so that Rasa's
logging set-up is not left behind in the test process.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime import logmask
from bot.runtime.logmask import mask_slots, mask_text, scrub

ROOT = Path(__file__).resolve().parents[2]
NATIONAL_ID = "1000000008"
IQAMA = "2000000006"
NAME = "Zubaydah Al Qarawiyyin"


def arabic_indic(text: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in text)


def persian(text: str) -> str:
    return "".join(chr(0x06F0 + int(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"ID {NATIONAL_ID} given", "ID 1*******08 given"),
        (f"iqama={IQAMA}.", "iqama=2*******06."),
        (f"'{NATIONAL_ID}'", "'1*******08'"),
        (f"رقم هويتي{NATIONAL_ID}", "رقم هويتي1*******08"),
        ("0551234567", "05******67"),
        ("055 123 4567", "05* *** **67"),
        ("055-123-4567", "05*-***-**67"),
        ("966551234567", "9665******67"),
        ("+966551234567", "+9665******67"),
        ("+966 55 123 4567", "+966 5* *** **67"),
        ("00966551234567", "009665******67"),
        ("+9660551234567", "+96605******67"),
        ("551234567", "5******67"),
        ("mobile: +966551234567, again", "mobile: +9665******67, again"),
        ("sarah@example.com", "s***@e***.com"),
        ("Write to sarah.q+bills@mail.example.co.uk now", "Write to s***@m***.uk now"),
        ("?email=sarah%40example.com", "?email=s***%40e***.com"),
        ("[parameters: ('Zubaydah', '1000000008')]", "[parameters: hidden]"),
    ],
)
def test_personal_data_is_masked_keeping_the_last_two_digits(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("convert", [arabic_indic, persian])
def test_arabic_indic_and_persian_digits_are_masked(convert) -> None:
    assert mask_text(convert(NATIONAL_ID)) == convert("1") + "*******" + convert("08")
    assert mask_text(convert("0551234567")) == convert("05") + "******" + convert("67")
    assert mask_text("جوالي " + convert("+966551234567")) == (
        "جوالي " + convert("+9665") + "******" + convert("67")
    )


def test_json_escaped_arabic_indic_digits_are_masked() -> None:
    """structlog's JSON renderer writes Arabic-Indic digits as \\u0661 escapes."""
    text = json.dumps({"text": f"هويتي {arabic_indic(NATIONAL_ID)} جوالي ٠٥٥١٢٣٤٥٦٧"})
    masked = mask_text(text)
    assert json.dumps(arabic_indic(NATIONAL_ID))[1:-1] not in masked
    assert json.dumps("٠٥٥١٢٣٤٥٦٧")[1:-1] not in masked
    assert "\\u0661*******\\u0660\\u0668" in masked
    assert json.loads(masked)  # still JSON


@pytest.mark.parametrize(
    "text",
    [
        "report BR-7K3Q9PX2 filed",
        "2026-11-29 12:30:00,123 INFO rasa.core: Loaded 12345 events",
        "due 2026-12-06T09:00:00+03:00, 5 working days",
        "complaint Q-77410 of 1447/04/01",
        "took 0.1234567890 s",
        "timestamp 1718000000.123456",
        "12345678901 is 11 digits, 123456789 is 9",
        "port 5005, pid 31337, 5 of 12345",
        "postgresql://nobody@127.0.0.1:1/nothing",
    ],
)
def test_ordinary_numbers_are_not_masked(text: str) -> None:
    assert mask_text(text) == text


def test_an_id_glued_to_letters_is_still_masked() -> None:
    """Better a hex id masked now and then than an ID typed without a space left in."""
    assert mask_text(f"ID{NATIONAL_ID}x") == "ID1*******08x"


def test_masking_twice_changes_nothing() -> None:
    once = mask_text(f"{NATIONAL_ID} +966551234567 0551234567 sarah@example.com")
    assert mask_text(once) == once


def test_long_tokens_are_masked_in_linear_time() -> None:
    blob = "QUJD" * 200_000 + "x" * 100_000  # a base64 attachment in a debug line
    assert mask_text(blob) == blob


def test_slot_dicts_and_trackers_lose_their_personal_values() -> None:
    slots = {
        "full_name": NAME, "national_id": NATIONAL_ID, "mobile": "+966551234567",
        "email": "sarah@example.com", "description": f"I am {NAME}", "platform": "Absher",
        "report_ref": "BR-7K3Q9PX2", "title": None,
    }  # fmt: skip
    masked = mask_slots(slots)
    assert masked["full_name"] == f"<redacted: {len(NAME)} chars>"
    assert masked["national_id"] == "1*******08" and masked["mobile"] == "+9665******67"
    assert masked["email"] == "s***@e***.com" and NAME not in masked["description"]
    assert masked["platform"] == "Absher" and masked["report_ref"] == "BR-7K3Q9PX2"
    assert masked["title"] is None
    tracker = {
        "sender_id": "abc",
        "slots": slots,
        "latest_message": {"text": f"my name is {NAME}", "intent": {"name": "inform"}},
        "events": [
            {"event": "user", "text": NAME, "metadata": {"attachments": ["…"]}},
            {"event": "slot", "name": "full_name", "value": NAME},
            {"event": "slot", "name": "platform", "value": "Absher"},
            {"event": "bot", "text": f"Thank you, {NAME}. Your ID {NATIONAL_ID}"},
        ],
    }
    text = repr(scrub(tracker))
    assert NAME not in text and NATIONAL_ID not in text and "Absher" in text


def test_rasa_structlog_events_lose_texts_and_personal_slots_but_keep_the_rest() -> None:
    states = (
        "\n[state 1] user intent: greet | previous action name: action_listen"
        f"\n[state 2] user text: I am {NAME} | user intent: inform | slots: {{}}"
        f"\n[state 3] user text: {NAME}"
    )
    event = logmask.mask_structlog_event(
        None,
        "debug",
        {
            "event": "rule_policy.actions.find",
            "current_states": states,
            "tracker_states": [{"user": {"text": NAME, "intent": "inform"}}],
            "parse_data_text": f"{NAME} {NATIONAL_ID}",
            "slot_values": f"\tfull_name: {NAME}\n\tmobile: +966551234567\n\tplatform: Absher",
            "action_name": "validate_personal_form",
            "sender": f"{NATIONAL_ID}",
        },
    )
    text = repr(event)
    assert NAME not in text and NATIONAL_ID not in text and "966551234567" not in text
    assert "[state 1] user intent: greet | previous action name: action_listen" in text
    assert "[state 2] user text: <redacted> | user intent: inform" in text
    assert event["slot_values"].endswith("\tplatform: Absher")
    assert event["action_name"] == "validate_personal_form"
    assert event["sender"] == "1*******08" and event["event"] == "rule_policy.actions.find"


@pytest.fixture
def masking() -> Iterator[None]:
    was_installed = logmask.installed()
    logmask.install()
    yield
    if not was_installed:
        logmask.uninstall()


def _logger(name: str, fmt: str = "%(message)s") -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(fmt))
    logger = logging.getLogger(f"test_logmask.{name}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_log_records_are_masked_message_args_and_exception(masking: None) -> None:
    logger, stream = _logger("records")
    logger.info("filed for %s, %s", NATIONAL_ID, "+966551234567")
    logger.warning("mail %(email)s", {"email": "sarah@example.com"})
    logger.info("slots %s", {"full_name": NAME, "mobile": "0551234567"})
    try:
        raise ValueError(f"no report for {NATIONAL_ID} / sarah@example.com")
    except ValueError:
        logger.exception("lookup failed")
    output = stream.getvalue()
    for raw in (NATIONAL_ID, "966551234567", "0551234567", "sarah@example.com", NAME):
        assert raw not in output, output
    assert "filed for 1*******08, +9665******67" in output
    assert "ValueError: no report for 1*******08 / s***@e***.com" in output
    assert "Traceback (most recent call last)" in output


def test_handlers_added_after_install_and_extras_are_masked(masking: None) -> None:
    logger, stream = _logger("late", "%(message)s %(request)s")
    logger.info("access", extra={"request": f"GET /status?id={NATIONAL_ID}"})
    assert stream.getvalue() == "access GET /status?id=1*******08\n"


def test_root_handlers_get_the_filter_and_uninstall_removes_it() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    was_installed = logmask.installed()
    try:
        logmask.install()
        assert any(isinstance(f, logmask.PiiFilter) for f in handler.filters)
        record = logging.LogRecord("x", logging.INFO, "", 0, "id %s", (NATIONAL_ID,), None)
        handler.handle(record)  # straight to the handler, not through a logger
        assert handler.stream.getvalue() == "id 1*******08\n"
    finally:
        root.removeHandler(handler)
        if not was_installed:
            logmask.uninstall()
    if not was_installed:
        assert not logmask.installed()
        assert logging.Logger.callHandlers.__name__ == "callHandlers"


def test_logging_config_file_is_written_once_and_loads_the_filter(tmp_path: Path) -> None:
    path = tmp_path / "var" / "logging.yml"
    args = logmask.logging_config_args(path)
    assert args == ["--logging-config-file", str(path)]
    assert "bot.runtime.logmask.installed_filter" in path.read_text(encoding="utf-8")
    assert logmask.write_logging_config(path) == path


def test_rasa_sdk_takes_the_option_in_its_own_spelling(tmp_path: Path) -> None:
    from rasa_sdk.endpoint import create_argument_parser

    args = logmask.logging_config_args(tmp_path / "logging.yml", rasa_sdk=True)
    parsed = create_argument_parser().parse_args(["--actions", "actions", *args])
    assert parsed.logging_config_file == str(tmp_path / "logging.yml")


CHILD = (
    textwrap.dedent(
        """
    import logging, os, sys
    config = sys.argv[1]
    which = sys.argv[2]
    if which in ("rasa", "agent"):
        import rasa.__main__  # noqa: F401 (what `python -m rasa` loads first)
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.io import configure_colored_logging
        from rasa.utils.log_utils import configure_structlog
        if which == "rasa":
            # what `rasa run --logging-config-file F` does (rasa/__main__.py main)
            configure_logging_and_warnings(logging.DEBUG, config)
            configure_colored_logging(logging.DEBUG)
            configure_structlog(logging.DEBUG)
        else:
            # the call-centre console: Rasa's structlog set up first, then install()
            configure_colored_logging(logging.DEBUG)
            configure_structlog(logging.DEBUG)
            import structlog
            structlog.get_logger().debug("before.install", text="ok")  # a cached logger
            from bot.runtime import logmask
            logmask.install()
        import structlog
        log = structlog.get_logger()
        log.debug("processor.slots.log",
                  slot_values="\\tfull_name: NAME\\n\\tnational_id: NID\\n\\tplatform: Absher")
        log.debug("processor.message.parse", parse_data_text="I am NAME, NID",
                  parse_data_intent={"name": "inform"}, parse_data_entities=[])
        from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
        log.debug("processor.actions.log", action_name="validate_form", rasa_events=[
            SlotSet("full_name", "NAME"), SlotSet("mobile", "+966551234567"),
            UserUttered("NAME"), BotUttered("Thanks NAME, sarah@example.com")])
        logging.getLogger("rasa.core.processor").debug("Received NID from 0551234567")
        def handle(text):
            raise ValueError("cannot handle it")
        try:
            handle("I am NAME")  # a local variable: structlog's dict_tracebacks shows those
        except ValueError:
            log.exception("rest.message.received.failure", text_length=17)
    else:
        # what `python -m rasa_sdk --logging-config-file F` does (rasa_sdk/__main__.py)
        from rasa_sdk import utils
        utils.configure_colored_logging(logging.DEBUG)
        utils.configure_file_logging(logging.getLogger("rasa_sdk"), None, logging.DEBUG, config)
        logging.getLogger("rasa_sdk.executor").info("Received NID from 0551234567")
    # sanic's own handlers (its default logging config), as a server sets them up
    import logging.config
    from sanic.log import LOGGING_CONFIG_DEFAULTS, access_logger, error_logger, logger
    logging.config.dictConfig(LOGGING_CONFIG_DEFAULTS)
    logger.info("sanic NID")
    access_logger.info("", extra={"status": 200, "byte": 2, "host": "127.0.0.1:5",
                                  "request": "GET /x?mobile=%2B966551234567"})
    try:
        raise RuntimeError("bad NID sarah@example.com")
    except RuntimeError:
        error_logger.exception("Exception occurred while handling uri")
    logging.getLogger("anything.else").warning("NID +966551234567")
    print("CHILD DONE", flush=True)
    """
    )
    .replace("NID", NATIONAL_ID)
    .replace("NAME", NAME)
)


@pytest.mark.parametrize("which", ["rasa", "rasa_sdk", "agent"])
def test_rasa_and_sanic_loggers_are_masked_through_the_config_file(
    which: str, tmp_path: Path
) -> None:
    config = logmask.write_logging_config(tmp_path / "logging.yml")
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOG_LEVEL="DEBUG", FORCE_JSON_LOGGING="1")
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), which],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "CHILD DONE" in output, output[-3000:]
    for raw in (NATIONAL_ID, "966551234567", "0551234567", "sarah@example.com", NAME, "Zubaydah"):
        assert raw not in output, output[-3000:]
    assert "sanic 1*******08" in output  # sanic's handler
    assert "GET /x?mobile=%2B9665******67" in output  # sanic's access log (extra)
    assert "RuntimeError: bad 1*******08 s***@e***.com" in output  # sanic's traceback
    assert "Received 1*******08 from 05******67" in output  # Rasa's / Rasa SDK's loggers
    if which in ("rasa", "agent"):  # structlog events: slot values, texts, tracebacks
        assert "ValueError: cannot handle it" in output and '"locals"' not in output
        assert "national_id: 1*******08" in output and "platform: Absher" in output
        assert "full_name: <redacted" in output and "<redacted: " in output
        assert "SlotSet(key: mobile, value: +9665******67)" in output


def test_warnings_are_masked_too() -> None:
    """Rasa reports an unparsable `/intent{…}` with warnings.warn, the message quoted, and
    warnings reach stderr without passing through logging (a process of its own: pytest
    records warnings itself)."""
    script = (
        "import warnings\n"
        "from bot.runtime import logmask\n"
        "logmask.install()\n"
        "warnings.warn(\"Failed to parse arguments in line '/inform{\\\"national_id\\\": "
        "\\\"1000000073\\\", \\\"mobile\\\": \\\"0556660006\\\"}'\", UserWarning)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert "1*******73" in done.stderr and "05******06" in done.stderr, done.stderr
    assert "1000000073" not in done.stderr and "0556660006" not in done.stderr
