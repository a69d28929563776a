"""What an admin user may see: every merchant for an operator (no merchant set), else only
their merchant's shops and programs. Every admin page filters through these."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.models import AdminUser, Program, Shop


def shop_ids(session: Session, user: AdminUser) -> list[int]:
    query = select(Shop.id).order_by(Shop.id)
    if user.merchant_id is not None:
        query = query.where(Shop.merchant_id == user.merchant_id)
    return list(session.scalars(query))


def program_ids(session: Session, user: AdminUser) -> list[int]:
    query = select(Program.id).order_by(Program.id)
    if user.merchant_id is not None:
        query = query.where(Program.merchant_id == user.merchant_id)
    return list(session.scalars(query))


def may_see_shop(session: Session, user: AdminUser, shop_id: int) -> bool:
    return shop_id in shop_ids(session, user)


def may_see_program(session: Session, user: AdminUser, program_id: int) -> bool:
    return program_id in program_ids(session, user)
