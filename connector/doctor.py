"""`loyalty shop doctor`: is this store wired up, and if not, what to do about it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from adapters import TransportError
from adapters.woocommerce import webhooks_api
from connector import programs
from connector.models import InboxDelivery, OutboxJob, Shop
from connector.services import Services
from connector.shops import credentials, webhook_path
from connector.woo_connect import url_problems


@dataclass(frozen=True)
class Check:
    status: str  # ok | warn | fail
    subject: str
    detail: str


def diagnose(services: Services, shop_id: int) -> list[Check]:
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            return [Check("fail", "shop", f"no shop with id {shop_id}")]
        checks = _stored(session, shop)
        creds = credentials(shop, services)
        delivery_url = services.config.public_url + webhook_path(shop)
        platform, ref = shop.platform, shop.ref
    checks += [Check("warn", "delivery URL", problem) for problem in url_problems(services, ref)]
    if platform == "woocommerce":
        checks += _woo_webhooks(creds, delivery_url)
    return checks


def _stored(session, shop: Shop) -> list[Check]:
    checks = [Check("ok" if shop.status == "active" else "fail", "status",
                    shop.status + (f": {shop.status_note}" if shop.status_note else ""))]
    if programs.live_version(session, shop.program_id) is None:
        checks.append(Check("warn", "program", "no program published: nothing earns yet; "
                            f"run `loyalty program publish --shop {shop.id} FILE`"))
    dead = session.scalar(select(func.count()).select_from(OutboxJob).where(
        OutboxJob.shop_id == shop.id, OutboxJob.status == "dead")) or 0
    if dead:
        checks.append(Check("warn", "push jobs", f"{dead} failed for good (see the admin)"))
    failed = session.scalar(select(func.count()).select_from(InboxDelivery).where(
        InboxDelivery.shop_id == shop.id, InboxDelivery.status == "failed")) or 0
    if failed:
        checks.append(Check("warn", "deliveries", f"{failed} could not be processed"))
    return checks


def _woo_webhooks(creds, delivery_url: str) -> list[Check]:
    try:
        hooks = webhooks_api.list_webhooks(creds)
    except TransportError as exc:
        what = "the store refused our API keys: reconnect the store" if exc.revoked else str(exc)
        return [Check("fail", "API keys", what)]
    checks = [Check("ok", "API keys", "accepted by the store")]
    ours = {hook.get("topic"): hook for hook in hooks if hook.get("delivery_url") == delivery_url}
    for topic in webhooks_api.TOPICS:
        hook = ours.get(topic)
        if hook is None:
            checks.append(Check("fail", f"webhook {topic}", f"not registered for {delivery_url}; "
                                "run `loyalty shop doctor --fix`"))
        elif hook.get("status") != "active":
            checks.append(Check("fail", f"webhook {topic}", f"{hook.get('status')} (WooCommerce "
                                "disables a webhook after 7 failed deliveries); run "
                                "`loyalty shop doctor --fix`, then `loyalty reconcile`"))
        else:
            checks.append(Check("ok", f"webhook {topic}", f"active, id {hook.get('id')}"))
    return checks
