"""Who a referral party is: e-mail, address, payment fingerprint and IP, normalised so that
"1 Main St." matches "1 main street", and hashed so no identity is kept in clear."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from rules.events import normalise_email

_ABBREVIATIONS = {"st": "street", "str": "street", "ave": "avenue", "av": "avenue", "rd": "road",
                  "apt": "apartment", "dr": "drive", "ln": "lane", "blvd": "boulevard"}


def normalised_address(text: str | None) -> str | None:
    """Lower-case words without punctuation, abbreviations spelled out ("St." matches "street")."""
    if text is None:
        return None
    words = re.sub(r"[\W_]+", " ", text.casefold()).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words) or None


def identity_hash(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()[:16]


IDENTITY_FIELDS: dict[str, Callable[[str | None], str | None]] = {  # field -> its normaliser
    "email": normalise_email, "address": normalised_address,
    "payment_fingerprint": lambda text: (text or "").strip() or None,
    "ip": lambda text: (text or "").strip().lower() or None,
}


class BuyerDigests(TypedDict):
    """An order's buyer identities as OrderEvent keeps them: normalised and hashed."""

    ip_digest: str | None
    address_digest: str | None
    payment_digest: str | None


def digest(field: str, value: str | None) -> str | None:
    """The normalised, hashed form of one identity `field` (a key of IDENTITY_FIELDS)."""
    return identity_hash(IDENTITY_FIELDS[field](value))


def address_text(*parts: str | None) -> str | None:
    """One line from an address's parts (street lines, postcode, country), None when empty."""
    return " ".join(part.strip() for part in parts if part and part.strip()) or None


@dataclass(frozen=True)
class Party:
    """The referrer or the friend. `is_digest` marks fields that already hold identity hashes
    (a party rebuilt from a record); `digest()` hashes a party in clear, once."""

    email: str | None
    address: str | None
    payment_fingerprint: str | None
    ip: str | None
    is_digest: bool = False

    def digest(self) -> Party:
        if self.is_digest:
            return self
        return Party(**{name: identity_hash(normalise(getattr(self, name)))
                        for name, normalise in IDENTITY_FIELDS.items()}, is_digest=True)
