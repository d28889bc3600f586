"""The dashboard's static files, read once from the installed package (works offline,
from a wheel or a zipapp alike: found through importlib.resources, not a file path)."""
from importlib import resources

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def load_assets():
    """{"app.js": (bytes, content type), "pages/keys.js": …} for every file under static/."""
    found = {}

    def walk(folder, prefix):
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
                continue
            suffix = entry.name[entry.name.rfind("."):]
            if suffix in TYPES:
                found[prefix + entry.name] = (entry.read_bytes(), TYPES[suffix])

    walk(resources.files(__package__) / "static", "")
    return found
