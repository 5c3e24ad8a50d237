"""Mail backends: one module per way of delivering a message, chosen by name in config."""

from digest.delivery.backends.base import MailBackend, available_backends, create_backend

__all__ = ["MailBackend", "available_backends", "create_backend"]
