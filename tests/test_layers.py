"""Layers point one way: the command line → the composition root (goldenrecord.py) → HTTP
(restapi/, then the dashboard admin_ui/ on top of it) and the integrations (workos_sync/,
webhook_delivery/) → rules and storage (store/, search/) → nothing above; only storage
speaks to the database; and the embedding package uses only public names of Golden Record."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = sorted(path.parent.name for path in ROOT.glob("*/__init__.py"))
TOP = "goldenrecord.py"  # the composition root, importable as `goldenrecord`

# What a part must never import: the layers above it, where its callers live.
HTTP_AND_ABOVE = {"restapi", "admin_ui", "scim", "cli", "embedding", TOP}
NEVER = {
    "settings": set(PARTS) - {"settings"} | {TOP},
    "metrics": set(PARTS) - {"metrics"} | {TOP},  # handed in by the composition root
    "search": HTTP_AND_ABOVE | {"store", "webhook_delivery", "workos_sync"},
    "store": HTTP_AND_ABOVE | {"webhook_delivery", "workos_sync"},
    "webhook_delivery": HTTP_AND_ABOVE,
    "workos_sync": HTTP_AND_ABOVE | {"webhook_delivery"},
    "domain_verification": HTTP_AND_ABOVE | {"store", "search", "webhook_delivery", "workos_sync"},
    "restapi": {"admin_ui", "scim", "cli", "embedding", TOP},
    "scim": {"admin_ui", "cli", "embedding", TOP},  # SCIM is HTTP on top of the API
    "admin_ui": {"cli", "embedding", TOP},
}


def _sources(part):
    return sorted((ROOT / part).rglob("*.py"))


def _imported_parts(path):
    """The parts of Golden Record (or TOP) that the module at `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
            found |= {name[1] if len(name) > 1 else TOP for name in names if name[0] == "goldenrecord"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            module = node.module.split(".")
            if module[0] != "goldenrecord":
                continue
            if len(module) > 1:
                found.add(module[1])
            else:  # `from goldenrecord import store` is the part; anything else is TOP's
                found |= {alias.name if alias.name in PARTS else TOP for alias in node.names}
    return found


@pytest.mark.parametrize("part", sorted(NEVER))
def test_a_part_imports_nothing_above_it(part):
    crossings = {str(path.relative_to(ROOT)): sorted(_imported_parts(path) & NEVER[part])
                 for path in _sources(part)}
    assert {path: above for path, above in crossings.items() if above} == {}


# The database drivers: only storage may import them, so that a second engine (store/engine.py)
# is added there and nothing above has to change.
DRIVERS = {"sqlite3", "peewee"}
STORAGE = {"store", "search"}


def _imported_modules(path):
    """The top-level names of every module that the module at `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("part", sorted(set(PARTS) - STORAGE) + [TOP])
def test_only_storage_imports_a_database_driver(part):
    sources = [ROOT / TOP] if part == TOP else _sources(part)
    drivers = {str(path.relative_to(ROOT)): sorted(_imported_modules(path) & DRIVERS)
               for path in sources}
    assert {path: found for path, found in drivers.items() if found} == {}


def _private_names_used(path):
    """The private names of Golden Record that the module at `path` uses: imported
    (`from goldenrecord.cli import _x`) or read (`goldenrecord._x`, `cli._x`)."""
    tree = ast.parse(path.read_text(), str(path))
    ours, used = {"goldenrecord"}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("goldenrecord"):
            used += [alias.name for alias in node.names if _private(alias.name)]
            ours |= {alias.asname or alias.name for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and _root(node) in ours:
            used.append(node.attr)
    return used


def _private(name):
    return name.startswith("_") and not name.endswith("__")


def _root(node):
    """The name an attribute chain starts from (`goldenrecord` in `goldenrecord.cli._x`)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def test_the_embedding_package_uses_only_public_names():
    used = {str(path.relative_to(ROOT)): _private_names_used(path) for path in _sources("embedding")}
    assert {path: names for path, names in used.items() if names} == {}
