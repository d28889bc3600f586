"""Webhook delivery: signing, target checks and the background sender.

Apart from `store/` because it runs threads and talks to the network; the store only
records events and deliveries, and this package works through them.
"""
from .sender import WebhookSender
from .signing import signature_headers
from .targets import UnsafeTarget, check_target

__all__ = ["WebhookSender", "UnsafeTarget", "check_target", "signature_headers"]
