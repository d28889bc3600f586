"""The error of a command that cannot do its job."""


class CommandError(Exception):
    """A command failed for a reason that is not configuration (a backup that cannot be
    written, a seed into a database holding other data, a key the store refuses, a port in
    use): reported as one line naming the problem and what to do, exit status 2."""
