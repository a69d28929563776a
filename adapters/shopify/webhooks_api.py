"""Subscribing the service to a store's webhooks through webhookSubscriptionCreate.

The three compliance topics cannot be subscribed this way: they are declared in the app's
configuration (shopify.app.toml `compliance_topics`) and arrive at the same endpoint.
"""
from __future__ import annotations

from adapters.base import Credentials, TransportError
from adapters.shopify.admin import AdminAPI, user_errors

TOPICS = ("ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED",
          "REFUNDS_CREATE", "CUSTOMERS_CREATE", "CUSTOMERS_UPDATE", "APP_UNINSTALLED")

SUBSCRIBE = """mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!,
  $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id } userErrors { field message } } }"""


def subscribe(credentials: Credentials, uri: str) -> dict[str, str]:
    """Subscribe every topic to `uri`; returns "created" or "kept" per topic."""
    api, done = AdminAPI(credentials), {}
    for topic in TOPICS:
        result = api.execute(SUBSCRIBE, {"topic": topic, "sub": {"uri": uri, "format": "JSON"}})
        errors = user_errors(result.get("webhookSubscriptionCreate"))
        if not errors:
            done[topic] = "created"
        elif all("already been taken" in str(e.get("message")) for e in errors):
            done[topic] = "kept"
        else:
            raise TransportError(f"webhookSubscriptionCreate {topic}: "
                                 + "; ".join(str(e.get("message")) for e in errors),
                                 permanent=True)
    return done
