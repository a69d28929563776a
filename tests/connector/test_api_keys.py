"""The JSON API's keys from the command line (`loyalty api-key create|list|revoke`), its
OpenAPI document, and its errors, JSON under /api/v1 only."""
from __future__ import annotations

import json

from tests.connector.api_shops import bearer


def test_the_openapi_document_lists_every_operation_with_its_errors(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "lk_<prefix>_<secret>",
        "description": "a key for one shop, made with `loyalty api-key create`"}
    assert document["security"] == [{"bearerAuth": []}]
    shop = "/api/v1/shops/{shop_id}"
    customer = f"{shop}/customers/{{customer_id}}"
    assert set(document["paths"]) == {
        shop, f"{shop}/program", f"{shop}/metrics", f"{shop}/customers", customer,
        f"{customer}/ledger", f"{customer}/adjustments", f"{customer}/redemptions",
        f"{customer}/actions"}
    for path, operations in document["paths"].items():
        for method in ("get", "post"):
            if method in operations:
                assert {"401", "403", "404"} <= set(operations[method]["responses"]), path
    assert {"200", "201", "409", "422"} <= \
        set(document["paths"][f"{customer}/adjustments"]["post"]["responses"])


def test_errors_are_json_under_the_api_only(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404 and answer.is_json
    refused = client.delete("/api/v1/shops/1")
    assert refused.status_code == 405 and refused.is_json
    assert set(refused.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    elsewhere = client.get("/no-such-page")
    assert elsewhere.status_code == 404 and not elsewhere.is_json


def test_the_cli_makes_lists_and_revokes_keys(run, client, woo_shop):
    made = run("api-key", "create", "--shop", woo_shop, "--name", "Review app")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("lk_") and "it will not be shown again" in made.stderr
    assert client.get(f"/api/v1/shops/{woo_shop}", headers=bearer(secret)).status_code == 200
    prefix = secret.split("_")[1]
    listed = run("api-key", "list", "--shop", woo_shop)
    assert prefix in listed.output and "Review app" in listed.output
    assert "active" in listed.output and "last used never" not in listed.output
    assert secret.split("_", 2)[2] not in listed.output
    assert run("api-key", "revoke", prefix).output.strip() == \
        f"API key {prefix} (Review app) of shop {woo_shop} revoked"
    assert client.get(f"/api/v1/shops/{woo_shop}", headers=bearer(secret)).status_code == 401
    (row,) = json.loads(run("api-key", "list", "--shop", woo_shop, "--json").output)
    assert (row["prefix"], row["name"]) == (prefix, "Review app") and row["revoked_at"]
    unknown = run("api-key", "revoke", "ffffffff")
    assert unknown.exit_code == 1 and "no API key with prefix 'ffffffff'" in unknown.output
    refused = run("api-key", "create", "--shop", 999, "--name", "x")
    assert refused.exit_code == 1 and "no shop with id 999" in refused.output
