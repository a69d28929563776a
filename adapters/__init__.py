"""Platform adapters: one per platform, found by name in REGISTRY."""

from __future__ import annotations

from adapters import woocommerce
from adapters.base import (
    BadPayload,
    BadSignature,
    Credentials,
    DeliveryMeta,
    PlatformAdapter,
    TransportError,
)

REGISTRY: dict[str, PlatformAdapter] = {
    "woocommerce": woocommerce.ADAPTER,
}

__all__ = ["REGISTRY", "BadPayload", "BadSignature", "Credentials", "DeliveryMeta",
           "PlatformAdapter", "TransportError"]
