"""`goldenrecord zipapp`: Golden Record and its dependencies in one runnable file.

`python3 goldenrecord.pyz serve` then needs nothing but Python 3.11+. The dependencies
are copied from the installed distributions (their RECORD file lists), so building
needs no network. Compiled extension modules cannot be imported from a zip and are left
out: falcon (its Cython speed-ups) and charset_normalizer (mypyc) ship the same code
as pure Python and fall back to it; the others are pure Python already. Every module is
precompiled (unchecked-hash .pyc beside its .py, where zipimport looks), so starting
from the zip does not compile the dependencies on every run.
"""
import importlib.metadata
import os
import py_compile
import re
import shutil
import tempfile
import zipapp

import goldenrecord

MAIN = "import sys\n\nimport goldenrecord\n\nsys.exit(goldenrecord.main())\n"
COMPILED = (".so", ".pyd", ".dylib", ".dll")


def dependencies(name="goldenrecord"):
    """The distributions `name` needs at run time, its own requirements' requirements too."""
    found, todo = [], list(_requires(name))
    while todo:
        dist = todo.pop(0)
        if dist not in found:
            found.append(dist)
            todo.extend(_requires(dist))
    return found


def _requires(name):
    for requirement in importlib.metadata.requires(name) or []:
        marker = requirement.partition(";")[2]
        if "extra ==" in marker:
            continue  # optional (the test extra, socks proxies, ...)
        dist = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        if marker and not _installed(dist):
            continue  # for another platform or Python (tqdm's colorama, on Windows only)
        yield dist


def _installed(name):
    """Whether `name` is installed here: the zipapp copies this environment, which pip
    filled by evaluating the markers for this platform."""
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _copy_distribution(name, into):
    dist = importlib.metadata.distribution(name)
    for path in dist.files or []:
        parts = path.parts
        if (parts[0] == ".." or "__pycache__" in parts or path.name.endswith(COMPILED)
                or path.name in ("RECORD", "INSTALLER", "direct_url.json")):
            continue  # scripts outside site-packages, caches, extensions, install records
        target = os.path.join(into, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(dist.locate_file(path), target)


def _copy_goldenrecord(into):
    """goldenrecord.py, and every part (a folder with an __init__.py) under goldenrecord/."""
    shutil.copyfile(goldenrecord.__file__, os.path.join(into, "goldenrecord.py"))
    parts = goldenrecord.__path__[0]
    for name in sorted(os.listdir(parts)):
        if os.path.isfile(os.path.join(parts, name, "__init__.py")):
            shutil.copytree(os.path.join(parts, name), os.path.join(into, "goldenrecord", name),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _precompile(root):
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                source = os.path.join(folder, name)
                py_compile.compile(
                    source, cfile=source + "c", dfile=os.path.relpath(source, root), doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


class CannotBuild(Exception):
    """This is not an installed Golden Record, so its dependencies cannot be found."""


def build(output="dist/goldenrecord.pyz"):
    """Write the zipapp to `output`; returns its path. CannotBuild when this is not an
    installed Golden Record (or an editable install of a checkout)."""
    if not os.path.isfile(goldenrecord.__file__):
        raise CannotBuild("run it from an installed Golden Record, not from a zipapp")
    try:
        importlib.metadata.distribution("goldenrecord")
    except importlib.metadata.PackageNotFoundError:
        raise CannotBuild("Golden Record is not installed here "
                          "(pip install . first): its dependencies are found that way")
    with tempfile.TemporaryDirectory() as staging:
        _copy_goldenrecord(staging)
        for name in dependencies():
            _copy_distribution(name, staging)
        with open(os.path.join(staging, "__main__.py"), "w") as handle:
            handle.write(MAIN)
        _precompile(staging)
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        zipapp.create_archive(staging, output, interpreter="/usr/bin/env python3", compressed=True)
    return output
