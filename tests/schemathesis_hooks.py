"""Sendready's own checks for schemathesis runs against infra/openapi.yaml
(`scripts/test backend`, `bench/schemathesis`): every error is RFC 9457 problem details
with a code of the catalogue (docs/codes.md), `type` naming that code, and the HTTP status;
every 429 and 503 carries `Retry-After`. Loaded with SCHEMATHESIS_HOOKS=tests.schemathesis_hooks.
"""

import json
import os
import re

import schemathesis

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(_ROOT, "docs", "codes.md"), encoding="utf-8") as _f:
    CODES = set(re.findall(r"^\| `([a-z0-9-]+)` \|", _f.read(), re.M))
assert len(CODES) > 100, "docs/codes.md lists the catalogue"


@schemathesis.check
def problem_json_with_a_catalogue_code(ctx, response, case):
    """A 4xx or 5xx is application/problem+json whose code is in the catalogue."""
    if response.status_code < 400:
        return None
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    if not ctype.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {ctype!r}, not application/problem+json")
    body = json.loads(response.content)
    code = body.get("code")
    if code not in CODES:
        raise AssertionError(f"code {code!r} is not in docs/codes.md")
    if body.get("type") != f"urn:sendready:{code}":
        raise AssertionError(f"type {body.get('type')!r} does not name the code {code!r}")
    if body.get("status") != response.status_code:
        raise AssertionError(f"status {body.get('status')!r} in the body, {response.status_code} on the wire")
    if not body.get("detail"):
        raise AssertionError("a problem without a detail")
    if response.status_code in (429, 503) and "retry-after" not in {k.lower() for k in response.headers}:
        raise AssertionError(f"{response.status_code} without Retry-After")
    return None
