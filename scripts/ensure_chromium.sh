#!/usr/bin/env bash
# Debian's chromium, in which tests/live/test_browser_webchat.py drives the web widget (Playwright).
# Installed when missing and this runs as root with apt (CI, a fresh Debian machine); anyone
# else is told how to install it, and those tests fail with the same words until it is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo ">> installing chromium (Debian package) for the web widget's browser tests"
  apt-get update -qq
  # fonts-dejavu-core: Arabic glyphs for the widget's screenshots on a bare system
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
else
  echo ">> /usr/bin/chromium is missing: the web widget's browser tests will fail." >&2
  echo "   Install it with: sudo apt-get install -y chromium" >&2
fi
