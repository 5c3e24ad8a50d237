"""Delivery: the send loop over the outbox, retries, unsubscribe tokens and the backends.

``send`` (the send loop: ``deliver_all``), ``batch`` (claims, sends in flight, outcomes
settled in the outbox), ``outgoing`` (one subscriber's message and its Message-ID),
``retry`` (backoff for temporary failures), ``tokens`` (signed unsubscribe tokens),
``backends/`` (one module per way of sending, chosen by name in config).
"""
