"""seatwatch: constituency news digests.

Polls article sources, deduplicates them, tags each story with the Westminster seats it is
about, summarises, and emails each subscriber a digest of their seats.
"""

__version__ = "0.1.0"
