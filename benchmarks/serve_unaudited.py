"""`goldenrecord serve` with the audit log's recording switched off, for bench_audit.py's
"without" column only: the journal notes nothing, so no entry is written. Not a setting:
the service itself always records."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import goldenrecord  # noqa: E402
from goldenrecord.store.audit import journal  # noqa: E402

journal.recording = lambda: False

if __name__ == "__main__":
    sys.exit(goldenrecord.main(sys.argv[1:]))
