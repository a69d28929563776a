"""The fake store's REST API key, checked like WooCommerce 7.9's WC_REST_Authentication.

Accepted: HTTP Basic `consumer_key:consumer_secret`, both as query parameters, or OAuth 1.0a
one-legged query signing exactly as the `woocommerce` package (woocommerce/oauth.py) does it:
HMAC-SHA256 (or -SHA1) keyed with `consumer_secret&` over METHOD & encoded URL & sorted,
doubly encoded parameters; timestamp at most 15 minutes old; nonce single-use.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request

from tests.fakes.woo_api import WooError, auth_error

OAUTH_MAX_AGE = 15 * 60
OAUTH_HASHES = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
CREDENTIAL_PARAMS = ("consumer_key", "consumer_secret")


def wrong_key() -> WooError:
    return WooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")


def _oauth_encode(value: str) -> str:
    """normalize_parameters of woocommerce/oauth.py (PHP-like double encoding)."""
    return quote(unquote(value)).replace("%", "%25")


def oauth_signature(method: str, url: str, params: dict, secret: str, digest=hashlib.sha256):
    """The signature of `params` (oauth_signature excluded) for a request to `url`."""
    signed = {k: v for k, v in params.items() if k != "oauth_signature"}
    bases = sorted({name.split("[")[0] for name in signed})  # the package's sorted_params
    ordered = [k for base in bases for k in signed if k == base or k.startswith(base + "[")]
    query = "%26".join(f"{_oauth_encode(k)}%3D{_oauth_encode(signed[k])}" for k in ordered)
    text = f"{method}&{quote(url, safe='')}&{query}"
    mac = hmac.new(f"{secret}&".encode(), text.encode(), digest)
    return base64.b64encode(mac.digest()).decode()


class ApiKey:
    """One consumer key/secret pair; callers hold the fake's lock."""

    def __init__(self, consumer_key: str, consumer_secret: str):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.revoked = False
        self._nonces: dict[str, int] = {}  # nonce -> its timestamp, kept 15 minutes

    def authenticate(self, store_url: str, request: Request, params: dict) -> str:
        """How the request authenticated ("basic", "query", "oauth"); WooError 401 otherwise.

        `params` holds the first value of each query parameter: the package sends them twice.
        """
        if self.revoked:
            raise auth_error()
        basic = request.authorization
        if basic is not None and basic.type == "basic":
            self._check_secret(basic.username, basic.password)
            return "basic"
        if "consumer_key" in params:
            self._check_secret(params["consumer_key"], params.get("consumer_secret"))
            return "query"
        if "oauth_consumer_key" in params:
            # WordPress signs with its own home URL, whatever Host the client used
            self._check_oauth(store_url.rstrip("/") + request.path, request.method, params)
            return "oauth"
        raise auth_error()

    def _check_secret(self, key: str | None, secret: str | None) -> None:
        if key != self.consumer_key:
            raise wrong_key()
        if not hmac.compare_digest((secret or "").encode(), self.consumer_secret.encode()):
            raise auth_error("Consumer secret is invalid.")

    def _check_oauth(self, url: str, method: str, params: dict) -> None:
        if params["oauth_consumer_key"] != self.consumer_key:
            raise wrong_key()
        needed = ("oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")
        missing = [name for name in needed if not params.get(name)]
        if missing:
            raise auth_error(f"Missing OAuth parameter(s) {', '.join(missing)}")
        digest = OAUTH_HASHES.get(params["oauth_signature_method"])
        if digest is None:
            raise auth_error("Invalid signature - signature method is invalid.")
        expected = oauth_signature(method, url, params, self.consumer_secret, digest)
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            raise auth_error()
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            raise auth_error("Invalid timestamp.") from None
        oldest = int(time.time()) - OAUTH_MAX_AGE
        if timestamp < oldest:
            raise auth_error("Invalid timestamp.")
        self._nonces = {n: t for n, t in self._nonces.items() if t >= oldest}
        if params["oauth_nonce"] in self._nonces:
            raise auth_error("Invalid nonce - nonce has already been used.")
        self._nonces[params["oauth_nonce"]] = timestamp
