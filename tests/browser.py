"""Debian's Chromium driven by Playwright, for the admin dashboard's browser tests and
benchmark. Playwright's own browser download does not work here, so the system browser
is launched by path."""
import os

CHROMIUM = os.environ.get("GOLDENRECORD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 400, "height": 800}


def playwright_api():
    """playwright.sync_api once Chromium is there. Where the browser is required (.ci/run
    sets GOLDENRECORD_REQUIRE_BROWSER), a missing one fails; elsewhere the calling module
    is skipped."""
    import pytest

    if os.environ.get("GOLDENRECORD_REQUIRE_BROWSER"):
        import playwright.sync_api as sync_api
        assert os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        return sync_api
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
    return sync_api


def module_browser(sync_api):
    """Chromium for a test module's fixture (yields it, then closes it)."""
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
