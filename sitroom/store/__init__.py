"""Persistence: SQLAlchemy Core over SQLite (default) or another database URL."""

from .db import PutResult, Store, database_url, open_store

__all__ = ["PutResult", "Store", "database_url", "open_store"]
