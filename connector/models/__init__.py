"""Typed SQLAlchemy models; Alembic migrations in connector/migrations must match them."""
from connector.models.admin import AdminUser, ApiKey
from connector.models.base import Base
from connector.models.customers import (
    Customer,
    CustomerAccount,
    OrderRefund,
    OrderState,
    TierChange,
)
from connector.models.engagement import (
    NOTICE_STATUSES,
    REFERRAL_STATUSES,
    LinkVisit,
    Notice,
    Referral,
    ReferralLink,
    ShareLink,
)
from connector.models.ledger import ENTRY_KINDS, LedgerEntry, Redemption
from connector.models.queues import (
    INBOX_STATUSES,
    InboxDelivery,
    OutboxAttempt,
    OutboxJob,
    WorkerHeartbeat,
)
from connector.models.tenancy import (
    SHOP_STATUSES,
    ConnectToken,
    Merchant,
    PrivacyRequest,
    Program,
    ProgramVersion,
    Shop,
    ShopWebhook,
)

__all__ = [
    "ENTRY_KINDS",
    "INBOX_STATUSES",
    "NOTICE_STATUSES",
    "REFERRAL_STATUSES",
    "SHOP_STATUSES",
    "AdminUser",
    "ApiKey",
    "Base",
    "ConnectToken",
    "Customer",
    "CustomerAccount",
    "InboxDelivery",
    "LedgerEntry",
    "LinkVisit",
    "Merchant",
    "Notice",
    "OrderRefund",
    "OrderState",
    "OutboxAttempt",
    "OutboxJob",
    "PrivacyRequest",
    "Program",
    "ProgramVersion",
    "Redemption",
    "Referral",
    "ReferralLink",
    "ShareLink",
    "Shop",
    "ShopWebhook",
    "TierChange",
    "WorkerHeartbeat",
]
