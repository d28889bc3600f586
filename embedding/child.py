"""The child side of `running()`: a server process that warms up before it is configured.

Started as `python -P -m goldenrecord.embedding.child`, it first imports everything
`serve` needs (most of a cold start), then reads one JSON line from stdin,
`{"overrides": {"section.key": value, ...}, "environ": {...}, "env": {...}}` (the process
environment to take on, and extra variables for `serve` only: the admin key; and
"workdir", a temporary folder to remove on exit), and serves that configuration like
`goldenrecord serve`. A spare started ahead of time thus starts serving in tens of
milliseconds. Stdin is its lifeline: when it closes (the host stopped it, exited or
died) an idle spare exits and a serving child shuts down as on SIGTERM, so no server
outlives the program that started it.
"""
import json
import os
import shutil
import signal
import sys
import threading


def _exit_when_stdin_closes():
    sys.stdin.read()
    os.kill(os.getpid(), signal.SIGTERM)


def main():
    from goldenrecord import cli, settings
    import goldenrecord.restapi  # noqa: F401  the imports of a cold start, done while idle
    import goldenrecord.webhook_delivery  # noqa: F401
    import waitress  # noqa: F401

    line = sys.stdin.readline()
    if not line:
        return 0  # a spare nobody needed
    request = json.loads(line)
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    os.environ.clear()  # the host's environment as it is now, not as when this spare started
    os.environ.update(request["environ"])
    env = {**os.environ, **request["env"]}  # the admin key stays out of os.environ
    log_handler = cli.log_to_stderr()
    try:
        config = settings.load_config(env=env, overrides=request["overrides"])
        cli.serve(config, env=env, log_handler=log_handler)
    except (settings.ConfigError, cli.CommandError) as error:
        print(f"goldenrecord: error: {error}", file=sys.stderr)
        return 2
    finally:
        if request.get("workdir"):  # a temporary database: gone with its server, even
            shutil.rmtree(request["workdir"], ignore_errors=True)  # if the host died
    return 0


if __name__ == "__main__":
    sys.exit(main())
