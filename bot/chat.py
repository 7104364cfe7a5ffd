"""Talk to the running assistant from a terminal, through its REST channel.

The `rasa shell` of this project: it does not load a second model, it talks to the
server that `make run` started. Buttons are numbered; type the number to press one. When
`REST_TOKEN` is set, it sends it as the channel requires (`Authorization: Bearer …`).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

from bot.runtime import settings


def send(url: str, sender: str, text: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    token = settings.rest_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def render(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Text to print for the bot's messages, and the payloads of their buttons in order."""
    lines: list[str] = []
    payloads: list[str] = []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        for button in message.get("buttons") or []:
            payloads.append(button["payload"])
            lines.append(f"  [{len(payloads)}] {button['title']}")
    return "\n".join(lines), payloads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot chat", description=__doc__)
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    print(f"Talking to {args.url} as {args.sender}. Ctrl-D or /quit to leave.")
    payloads: list[str] = []
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in {"/quit", "/exit"}:
            return 0
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        try:
            shown, payloads = render(send(args.url, args.sender, text))
        except (urllib.error.URLError, OSError) as error:
            print(f"error: cannot reach the assistant at {args.url} ({error}). "
                  "Is `make run` running?", file=sys.stderr)
            continue
        print(shown or "(no reply)")


if __name__ == "__main__":
    sys.exit(main())
