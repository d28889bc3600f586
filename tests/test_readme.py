"""The README and the guides in docs/: short enough to read, links that lead somewhere, a tour that runs."""
import re
import subprocess
import sys

import pytest

from process import ROOT, ServerProcess

README = ROOT / "README.md"
README_LIMIT = 12 * 1024  # issue 18: a newcomer's page, not the manual
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


def documents():
    """Every Markdown page a reader follows links between."""
    return [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose(text):
    """The text with code blocks and code spans removed: `[x](y)` in code is not a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = CODE_SPAN.sub(lambda span: span.group(0)[1:-1], heading.strip())
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path):
    """The anchors a page's headings make (outside code blocks), with GitHub's -1, -2 for repeats."""
    seen, made = {}, set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            base = anchor(match.group(1))
            made.add(f"{base}-{seen[base]}" if base in seen else base)
            seen[base] = seen.get(base, 0) + 1
    return made


def broken_links(path):
    """The relative links of a page whose file or heading does not exist."""
    broken = []
    for target in LINK.findall(prose(path.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
            continue
        file, _, fragment = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists() or (fragment and linked.suffix == ".md" and fragment not in anchors(linked)):
            broken.append(target)
    return broken


def test_the_readme_is_at_most_12_kb():
    assert len(README.read_bytes()) <= README_LIMIT


def test_every_guide_the_issue_names_exists_and_the_readme_links_it():
    names = ["configuration", "api", "webhooks", "search", "workos", "dashboard", "embedding",
             "operations", "security", "performance", "architecture"]
    readme = README.read_text()
    assert [name for name in names if f"(docs/{name}.md)" not in readme] == []


@pytest.mark.parametrize("path", documents(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_points_at_an_existing_file_and_heading(path):
    assert broken_links(path) == []


def test_the_link_check_sees_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A `code` heading: yes\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#a-code-heading-yes) [ok](#title) [gone](nowhere.md) "
                    "[gone](other.md#nope) `[code](skipped.md)` [web](https://example.com)\n\n# Title\n")
    assert broken_links(page) == ["nowhere.md", "other.md#nope"]


def tour():
    """The README tour's shell block."""
    text = README.read_text()
    section = text[text.index("## A short tour"):]
    return re.search(r"^```sh\n(.*?)^```", section, re.S | re.M).group(1)


@pytest.mark.slow
def test_the_tour_runs_twice_against_a_real_server(tmp_path):
    """Each run makes its own organization and user: a second run must not meet the first's slug."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "goldenrecord"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "goldenrecord.py"}" "$@"\n')
    wrapper.chmod(0o755)
    server = ServerProcess(tmp_path / "goldenrecord.db")  # the default database of `keys create`
    try:
        script = tour().replace("http://127.0.0.1:8080", server.url)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
        for _ in range(2):
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=60)
            assert run.returncode == 0, run.stderr
            assert '"isOwner":true' in run.stdout.replace(" ", "")
    finally:
        server.stop()
