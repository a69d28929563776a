"""What the API reads and answers about customers and their ledger (marshmallow schemas, which
flask-smorest also turns into the OpenAPI document). Points are integers, times ISO 8601 UTC."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
# Spelled out rather than \s, which means other characters in Python than in the JSON Schema
# (ECMAScript) pattern: these are exactly the characters str.strip() removes.
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$"


def _encodable(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ma.ValidationError("not valid Unicode text (a lone surrogate)") from None


def text(max_length: int, *, blank: bool = False, **options) -> fields.String:
    """A string field of at most `max_length` characters, without NUL, blank only if allowed."""
    problem = ("must not contain NUL characters" if blank
               else "must not be blank or contain NUL characters")
    return fields.String(validate=[validate.Length(0 if blank else 1, max_length),
                                   validate.Regexp(NO_NUL if blank else NOT_BLANK, error=problem),
                                   _encodable], **options)


class PageQuery(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE),
                          metadata={"description": "1 for the first page"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PER_PAGE))


class CustomerQuery(PageQuery):
    q = text(200, blank=True, load_default="",
             metadata={"description": "part of the e-mail, first or last name (any case)"})


class BalanceSchema(ma.Schema):
    available = fields.Integer(required=True, metadata={"description": "spendable now"})
    pending = fields.Integer(required=True, metadata={"description": "still in the return "
                                                                     "window"})
    lifetime_earned = fields.Integer(required=True)


class CustomerSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True, allow_none=True,
                          metadata={"description": "null once the customer was redacted"})
    first_name = fields.String(required=True, allow_none=True)
    last_name = fields.String(required=True, allow_none=True)
    member = fields.Boolean(required=True, metadata={"description": "joined the program"})
    joined_at = fields.DateTime(required=True, allow_none=True)
    tier = fields.String(required=True, allow_none=True)
    balance = fields.Nested(BalanceSchema, required=True)


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "items on all pages"})


class CustomerPageSchema(PageSchema):
    customers = fields.List(fields.Nested(CustomerSchema), required=True)


class LedgerEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    shop_id = fields.Integer(required=True, metadata={"description": "where it was earned "
                                                                     "or spent"})
    kind = fields.String(required=True, metadata={"description": "earn, pending, release, "
                         "bonus, redeem, clawback, expire or adjust"})
    points = fields.Integer(required=True, metadata={"description": "signed"})
    lot = fields.String(required=True, allow_none=True)
    source_key = fields.String(required=True)
    reason = fields.String(required=True)
    actor = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    available_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, allow_none=True)


class LedgerPageSchema(PageSchema):
    customer_id = fields.Integer(required=True)
    entries = fields.List(fields.Nested(LedgerEntrySchema), required=True,
                          metadata={"description": "oldest first"})
