"""Progress of the long commands (reindex, WorkOS sync, seed, backup, migrate), on stderr.

The store's loops call a plain `progress(count, total)` (total None when unknown), so they
know nothing of terminals. Here that call becomes a tqdm bar with counts and ETA on a
terminal, a plain log line every few seconds otherwise (a bar's carriage returns would
fill a log file), or nothing with --quiet. stdout is never touched: it stays the
command's machine-readable answer.
"""
import logging
import sys
import time

log = logging.getLogger("goldenrecord.progress")

# Seconds between two progress lines when stderr is not a terminal.
INTERVAL = 5.0


class Progress:
    """Makes the reporter of one command: `progress.reporter("search reindex", "steps")`.

    `quiet` silences every reporter; `stream` (default: sys.stderr as it is when a reporter
    is made) decides bar or lines by isatty(); `clock` and `interval` time the lines, so
    tests need not sleep.
    """

    def __init__(self, *, quiet=False, stream=None, clock=time.monotonic, interval=INTERVAL):
        self.quiet = quiet
        self._stream = stream
        self._clock = clock
        self._interval = interval

    def reporter(self, label, unit):
        """A reporter for one job: call it with (count, total), then close() it."""
        stream = self._stream or sys.stderr
        if self.quiet:
            return Silent()
        if _is_terminal(stream):
            return Bar(label, unit, stream)
        return Lines(label, unit, self._clock, self._interval)


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Reporter:
    """`with progress.reporter(...) as report:` closes the reporter however the job ends."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        pass


class Silent(_Reporter):
    """--quiet: reports nothing."""

    def __call__(self, count, total=None):
        pass


class Bar(_Reporter):
    """A tqdm bar on a terminal: counts, rate and ETA, redrawn at most ten times a second."""

    def __init__(self, label, unit, stream):
        from tqdm import tqdm  # only on a terminal: a server never draws one

        self._bar = tqdm(desc=label, unit=f" {unit}", file=stream, dynamic_ncols=True,
                         mininterval=0.1, leave=True)

    def __call__(self, count, total=None):
        if total is not None and self._bar.total != total:
            self._bar.total = total
        self._bar.update(count - self._bar.n)

    def close(self):
        self._bar.close()


class Lines(_Reporter):
    """Not a terminal: one log line at most every `interval` seconds, with the counts
    (`label: 1200/5000 steps (24%)`), and none for a job done sooner than that."""

    def __init__(self, label, unit, clock, interval):
        self._label, self._unit = label, unit
        self._clock, self._interval = clock, interval
        self._next = clock() + interval

    def __call__(self, count, total=None):
        now = self._clock()
        if now < self._next:
            return
        self._next = now + self._interval
        if total:
            log.info("%s: %d/%d %s (%d%%)", self._label, count, total, self._unit,
                     100 * count // total)
        else:
            log.info("%s: %d %s so far", self._label, count, self._unit)
