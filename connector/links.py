"""A customer's referral link (`/r/<code>`) and share links (`/s/<code>?n=<network>`).

Codes are derived from a keyed hash of the program and customer (and the shared page), so asking
twice gives the same link, and are unique per program. A share link only ever points at a page
of the customer's own store: it is a redirect anyone can follow, and must not become an open one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session

from connector.db import run_prepared
from connector.models import Customer, ReferralLink, ShareLink, Shop

CODE_PURPOSE = "referral-links"
REFERRAL_CODE_LENGTH = 8
SHARE_CODE_LENGTH = 10
LANDING_PARAMETER = "ref"  # what the adapters read back from the landing URL (landing_site)
_REFERRAL, _SHARE = ReferralLink.__table__, ShareLink.__table__
# Most codes on an order are the store's own coupons: one statement answers "none of them".
_LINKS_IN_PROGRAM = (
    select(literal("referral"), _REFERRAL.c.id, _REFERRAL.c.code).where(
        _REFERRAL.c.program_id == bindparam("program_id"),
        _REFERRAL.c.code.in_(bindparam("codes", expanding=True)))
    .union_all(select(literal("share"), _SHARE.c.id, _SHARE.c.code).where(
        _SHARE.c.program_id == bindparam("program_id"),
        _SHARE.c.code.in_(bindparam("codes", expanding=True)))))


class LinkRefused(ValueError):
    """The page asked for cannot be shared; the message says why."""


def _code(secret: bytes, text: str, length: int, attempt: int) -> str:
    digest = hmac.new(secret, f"{text}:{attempt}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:length]


def storefront_base(shop: Shop) -> str:
    """The store's home page: a WooCommerce site URL, or the myshopify domain (which Shopify
    sends on to the store's primary domain)."""
    if shop.platform == "shopify":
        return f"https://{shop.ref}/"
    return shop.ref if shop.ref.endswith("/") else shop.ref + "/"


def with_code(url: str, code: str) -> str:
    """`url` with `ref=<code>` in its query (replacing any `ref` already there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != LANDING_PARAMETER] + [(LANDING_PARAMETER, code)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _unused_code(session: Session, model, program_id: int, secret: bytes, text: str,
                 length: int) -> str:
    """The code derived from `text`, or (on the rarest collision) the next free derivation."""
    attempt = 0
    while session.scalar(select(model.id).where(
            model.program_id == program_id,
            model.code == (code := _code(secret, text, length, attempt)))) is not None:
        attempt += 1
    return code


def referral_link(session: Session, shop: Shop, customer: Customer, secret: bytes) -> ReferralLink:
    found = session.scalar(select(ReferralLink).where(
        ReferralLink.program_id == customer.program_id, ReferralLink.customer_id == customer.id))
    if found is not None:
        return found
    code = _unused_code(session, ReferralLink, customer.program_id, secret,
                        f"r:{customer.program_id}:{customer.id}", REFERRAL_CODE_LENGTH)
    link = ReferralLink(program_id=customer.program_id, shop_id=shop.id,
                        customer_id=customer.id, code=code)
    session.add(link)
    session.flush()
    return link


def shared_page(shop: Shop, page: str) -> str:
    """The absolute URL of a page of `shop` from a path ("/products/mug") or a full URL on
    the store's own host; anything else is refused."""
    page = (page or "").strip()
    base = urlsplit(storefront_base(shop))
    target = urlsplit(page)
    if not target.scheme and not target.netloc and page.startswith("/") \
            and not page.startswith("//"):
        return urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))
    if target.scheme in ("http", "https") and target.netloc.lower() == base.netloc.lower():
        return urlunsplit(target._replace(fragment=""))
    raise LinkRefused(f"only pages of {base.netloc} can be shared: give a path such as "
                      "/products/your-product")


def share_link(session: Session, shop: Shop, customer: Customer, page: str, secret: bytes,
               visitor: str | None) -> ShareLink:
    target = shared_page(shop, page)
    target_hash = hashlib.sha256(target.encode()).hexdigest()
    found = session.scalar(select(ShareLink).where(ShareLink.customer_id == customer.id,
                                                   ShareLink.target_hash == target_hash))
    if found is not None:
        found.creator_visitor = found.creator_visitor or visitor
        return found
    code = _unused_code(session, ShareLink, customer.program_id, secret,
                        f"s:{customer.program_id}:{customer.id}:{target_hash}", SHARE_CODE_LENGTH)
    link = ShareLink(program_id=customer.program_id, shop_id=shop.id, customer_id=customer.id,
                     code=code, target_url=target, target_hash=target_hash,
                     creator_visitor=visitor)
    session.add(link)
    session.flush()
    return link


def find_link(session: Session, code: str) -> ReferralLink | ShareLink | None:
    """The referral or share link with this code (codes are upper-case base32)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return (session.scalar(select(ReferralLink).where(ReferralLink.code == code).limit(1))
            or session.scalar(select(ShareLink).where(ShareLink.code == code).limit(1)))


def link_code(code: str | None) -> str | None:
    """A code as links store it (upper-case base32), or None if it cannot be one."""
    code = (code or "").strip().upper()
    return code if code and len(code) <= 32 else None


def links_in_program(session: Session, program_id: int,
                     codes: list[str | None]) -> dict[str, tuple[str, int]]:
    """{code: ("referral" or "share", link id)} for those of `codes` that are the program's
    links (as link_code spells them), in one statement."""
    wanted = sorted({code for code in map(link_code, codes) if code})
    if not wanted:
        return {}
    return {row[2]: (row[0], row[1]) for row in run_prepared(
        session, _LINKS_IN_PROGRAM, flush=False, program_id=program_id, codes=wanted)}


def load_link(session: Session, found: tuple[str, int]) -> ReferralLink | ShareLink:
    return session.get(ReferralLink if found[0] == "referral" else ShareLink, found[1])
