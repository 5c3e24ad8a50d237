"""The store: SQLite (or another SQLAlchemy database) holding everything that must survive.

``schema`` (tables and migrations), ``core`` (``Store``: articles, page cache, digests,
housekeeping), ``sources`` (source schedules and state), ``subscribers`` (stored
subscribers), ``outbox`` (the digest claim and settle SQL).
"""

from digest.store.core import Store

__all__ = ["Store"]
