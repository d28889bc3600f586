"""The command line, `goldenrecord COMMAND`: the parser (parser.py), one function per
command (commands.py), `serve` with waitress (serve.py) and the batched stderr log (logs.py).
"""
import sys

from goldenrecord.settings import ConfigError

from .commands import CommandError, run
from .logs import BatchedStderrHandler, log_to_stderr
from .parser import build_parser
from .serve import BOOTSTRAP_VARIABLE, ensure_admin_key, serve

__all__ = ["BOOTSTRAP_VARIABLE", "BatchedStderrHandler", "CommandError", "ensure_admin_key",
           "log_to_stderr", "main", "serve"]


def main(argv=None):
    """Run `goldenrecord` with `argv` (default sys.argv[1:]); returns the exit status.
    A configuration problem or a failed command is one line on stderr and status 2."""
    log_handler = log_to_stderr()
    args = build_parser().parse_args(argv)
    try:
        status = run(args, log_handler)
    except (ConfigError, CommandError) as error:
        print(f"goldenrecord: error: {error}", file=sys.stderr)
        return 2
    return status or 0
