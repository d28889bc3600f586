"""Debian's Chromium driven by Playwright, for the admin dashboard's browser tests and
benchmark. Playwright's own browser download does not work here, so the system browser
is launched by path."""
import os

CHROMIUM = os.environ.get("GOLDENRECORD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 400, "height": 800}


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
