"""sitroom: a situation room for news about conflicts and diplomacy.

Library entry points (the CLI, API and web app are thin layers over these):

- ``open_store(db)``: the knowledge base (SQLite file by default).
- ``run(paths, store, settings=...)``: ingest files and run every stage into the store.
- ``process(items)``: run the stages over RawItems in memory.
- ``Settings``: configuration (defaults, overridden by SITROOM_* environment variables).
"""

__version__ = "0.1.0"

from .config import Settings  # noqa: E402
from .pipeline import STAGES, process  # noqa: E402
from .runner import run  # noqa: E402
from .store import open_store  # noqa: E402

__all__ = ["STAGES", "Settings", "__version__", "open_store", "process", "run"]
