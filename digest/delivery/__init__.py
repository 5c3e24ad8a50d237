"""Delivery: the send loop over the outbox, retries, unsubscribe tokens and the backends.

``send`` (claim, send, settle: ``deliver_all``), ``retry`` (backoff for temporary
failures), ``tokens`` (signed unsubscribe tokens), ``backends/`` (one module per way of
sending, chosen by name in config).
"""
