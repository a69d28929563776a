"""Social-share bonuses (`[social]`): points for shares that brought real visits or orders.

A visit through a share link counts when it is distinct (one per visitor fingerprint per share
code per UTC day), not from a known bot or link-preview fetcher, and not from the sharer. Each
counted visit pays `share_points` until the sharer's counted visits that day reach
`share_daily_cap`; later ones still count (so a conversion from them can pay) but earn 0. A counted
visit that becomes a paid order pays `share_order_points` once per order. The caller supplies the
day's counts and whether the visit key was already seen; the ledger's unique keys do the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rules.events import OrderStatus
from rules.program import Program, Social

# Lower-case substrings of user agents that fetch a link without a person behind it: link
# previews, search crawlers, HTTP libraries, headless browsers. Not "pinterest" alone: the
# Pinterest app's own browser says "Pinterest" and is a person; its crawler is "Pinterestbot".
KNOWN_BOTS: tuple[str, ...] = (
    "facebookexternalhit", "facebookcatalog", "meta-externalagent", "twitterbot", "slackbot",
    "slack-imgproxy", "whatsapp", "pinterestbot", "linkedinbot", "googlebot", "bingbot",
    "bingpreview", "skypeuripreview", "discordbot", "telegrambot", "applebot", "baiduspider",
    "duckduckbot", "embedly", "bot", "crawler", "spider", "preview", "curl", "wget",
    "python-requests", "python-urllib", "aiohttp", "httpx", "go-http-client", "okhttp", "java/",
    "libwww-perl", "scrapy", "node-fetch", "axios", "headless", "phantomjs", "selenium",
    "puppeteer", "playwright", "lighthouse",
)


def is_bot(user_agent: str | None) -> bool:
    """A missing or empty user agent counts as a bot: browsers always send one."""
    agent = (user_agent or "").strip().lower()
    return not agent or any(marker in agent for marker in KNOWN_BOTS)


@dataclass(frozen=True)
class ShareVisit:
    share_code: str
    visitor_fingerprint: str
    user_agent: str | None
    at: datetime  # aware
    is_sharer: bool  # the visitor is the customer who shared the link


def visit_key(visit: ShareVisit) -> str:
    """One key per visitor per share code per UTC day."""
    day = visit.at.astimezone(UTC).date().isoformat()
    return f"share:{visit.share_code}:{visit.visitor_fingerprint}:{day}"


@dataclass(frozen=True)
class VisitDecision:
    counted: bool
    points: int
    reason: str
    key: str


def social_rules(program: Program) -> Social:
    if program.social is None:
        raise ValueError(f"program {program.name!r} has no [social] section")
    return program.social


def decide_visit(program: Program, visit: ShareVisit, already_counted_today_for_sharer: int,
                 already_seen_key: bool) -> VisitDecision:
    """Whether a visit counts and what it pays, given how many of the sharer's visits already
    counted today (UTC) and whether this visit's key was seen before."""
    social, key = social_rules(program), visit_key(visit)
    if is_bot(visit.user_agent):
        return VisitDecision(False, 0, "bot or link preview", key)
    if visit.is_sharer:
        return VisitDecision(False, 0, "the sharer's own visit", key)
    if already_seen_key:
        return VisitDecision(False, 0, "this visitor already came through this share today", key)
    cap = social.share_daily_cap
    if cap is not None and already_counted_today_for_sharer >= cap:
        return VisitDecision(True, 0, "daily cap reached", key)
    return VisitDecision(True, social.share_points, "distinct visit", key)


def conversion_award(program: Program, share_code: str, order_id: str,
                     order_status: OrderStatus) -> tuple[str, int] | None:
    """The (ledger key, points) for a counted share visit that became this order, once paid.

    The key names the order, so repeated deliveries of it (paid, then fulfilled) pay once.
    """
    points = social_rules(program).share_order_points
    if not order_status.is_paid or points <= 0:
        return None
    return f"share-order:{share_code}:{order_id}", points
