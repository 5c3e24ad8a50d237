"""Preparing polled items: cleaned text, identities (URL, content hash), seat tags, prints.

``clean`` (text and page furniture), ``dedupe`` (canonical URLs, content hashes), ``items``
(one polled item to a ``PreparedArticle``, run in worker processes for big polls).
"""
