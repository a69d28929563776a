"""A draft program in the admin: its text (typed or uploaded), and the token that lets only a
simulated text be published."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

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
