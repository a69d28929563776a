"""A draft program in the admin: its text (typed or uploaded), the token that lets only a simulated
text be published, and the simulation's comparison as table rows."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from connector.simulation import Comparison
from rules.program import Program
from rules.simulation import Summary

PUBLISH_PURPOSE = "program-publish"
TYPED_SOURCE = "draft"


class UnreadableUpload(ValueError):
    """An uploaded program file that is not UTF-8 text."""


@dataclass(frozen=True)
class Draft:
    text: str
    source: str  # the uploaded file's name, else TYPED_SOURCE: ProgramError messages name it


def _lines(text: str) -> str:
    # browsers send form text with CRLF line breaks: keep one form, so a text hashes the same
    # whether it came from the editor, an upload or the publish form
    return text.replace("\r\n", "\n").replace("\r", "\n")


def submitted_draft(text: str, upload: FileStorage | None) -> Draft:
    """The uploaded .toml when one was chosen, else the editor's text."""
    if upload is not None and upload.filename:
        try:
            uploaded = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableUpload(f"{upload.filename} is not UTF-8 text: save the program "
                                   "as UTF-8 and upload it again") from None
        return Draft(_lines(uploaded), upload.filename)
    return Draft(_lines(text), TYPED_SOURCE)


def publish_token(key: bytes, program_id: int, text: str) -> str:
    """HMAC-SHA256 over (program id, sha256 of the text): given only with a simulation."""
    digest = hashlib.sha256(_lines(text).encode()).hexdigest()
    return hmac.new(key, f"{program_id}:{digest}".encode(), hashlib.sha256).hexdigest()


def was_simulated(key: bytes, program_id: int, text: str, token: str) -> bool:
    return hmac.compare_digest(publish_token(key, program_id, text).encode(),
                               token.encode())


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    draft: str
    live: str


def _cells(summary: Summary | None, currency: str, tiers: list[str]) -> list[str]:
    if summary is None:
        return ["n/a"] * (4 + len(tiers))
    counts = dict(summary.tier_counts)
    return [str(summary.points_issued), str(summary.points_redeemable),
            f"{summary.reward_cost} {currency}", f"{summary.liability} {currency}",
            *(str(counts.get(name, 0)) for name in tiers)]


def comparison_rows(result: Comparison, draft: Program) -> list[ComparisonRow]:
    """The draft and live columns of `loyalty program simulate`, row by row."""
    tiers = list(dict.fromkeys(name for summary in (result.draft, result.live) if summary
                               for name, _ in summary.tier_counts))
    labels = ["Points issued", "Points redeemable", "Reward cost (face value)",
              "Outstanding liability", *(f"Customers in tier {name}" for name in tiers)]
    draft_cells = _cells(result.draft, draft.currency, tiers)
    live_cells = _cells(result.live, result.live_currency or "", tiers)
    return [ComparisonRow(*cells) for cells in zip(labels, draft_cells, live_cells, strict=True)]
