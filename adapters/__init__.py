"""Platform adapters: one per platform, found by name in REGISTRY."""

from __future__ import annotations

from adapters import shopify, woocommerce
from adapters.base import (
    BadPayload,
    BadSignature,
    Credentials,
    DeliveryMeta,
    PlatformAdapter,
    TransportError,
)

REGISTRY: dict[str, PlatformAdapter] = {
    "shopify": shopify.ADAPTER,
    "woocommerce": woocommerce.ADAPTER,
}

__all__ = ["REGISTRY", "BadPayload", "BadSignature", "Credentials", "DeliveryMeta",
           "PlatformAdapter", "TransportError"]
