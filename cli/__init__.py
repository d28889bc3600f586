"""The command line, `goldenrecord COMMAND`: the parser (parser.py), one function per
command (commands.py, keys.py), `serve` with waitress (serve.py), the batched stderr log
as text or JSON (logs.py), the checks and naming of a command's database (database.py)
and the progress of long commands (progress.py).
"""
import getpass
import sys

from goldenrecord.settings import ConfigError
from goldenrecord.store.audit.context import Actor, acting

from .commands import CommandError, run
from .logs import BatchedStderrHandler, log_to_stderr
from .parser import build_parser
from .progress import Progress
from .serve import BOOTSTRAP_VARIABLE, ensure_admin_key, serve

__all__ = ["BOOTSTRAP_VARIABLE", "BatchedStderrHandler", "CommandError", "ensure_admin_key",
           "log_to_stderr", "main", "serve"]


def main(argv=None, *, progress=Progress):
    """Run `goldenrecord` with `argv` (default sys.argv[1:]); returns the exit status.
    A configuration problem or a failed command is one line on stderr and status 2.
    `progress(quiet=...)` makes the Progress of the long commands (tests give it a clock)."""
    args = build_parser().parse_args(argv)
    log_handler = log_to_stderr(args.log_format, args.log_level)
    args.progress = progress(quiet=getattr(args, "quiet", False))
    try:
        # what a command changes, the CLI changed: the operator at the host (the audit log)
        with acting(Actor("cli", _operator(), f"goldenrecord {args.command}")):
            status = run(args, log_handler)
    except (ConfigError, CommandError) as error:
        print(f"goldenrecord: error: {error}", file=sys.stderr)
        return 2
    return status or 0


def _operator():
    """The login running the command, for the audit log (None when the system has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
