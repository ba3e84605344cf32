"""The local Amazon SES: SES v2 as its API reference documents it, in front of moto.

moto's SES v2 returns no Easy DKIM tokens, verifies every identity at once, accepts a
second create of an existing identity and has no tenants, MAIL FROM attributes, account
or event publishing. This module answers every SES v2 request (`/v2/email/...`) itself,
with the request and response shapes of botocore's `sesv2` service model (which also
routes each request to its operation), and hands everything else to moto. Each behaviour
below says what SES does.

Settings (environment, read at start; the local stack and tests may change them at run
time through the control endpoints below):

  SENDREADY_SES_DNS                  ip:port of the DNS that SES "sees" (dnsmasq locally);
                                     unset: records never resolve, identities stay PENDING
  SENDREADY_SES_VERIFICATION_WINDOW  seconds before a domain whose records never resolved
                                     turns FAILED (SES: 72 hours; default 259200)
  SENDREADY_SES_SANDBOX              1 (default) or 0: the account starts in the sandbox
  SENDREADY_SES_IDENTITY_LIMIT       identities per region (SES: 10,000; default 10000)
  SENDREADY_SES_PUBLIC_URL           base of the verification links printed (default
                                     http://127.0.0.1:<port>)

Control endpoints (local only, never part of SES):

  GET  /_sendready/ses/verify?identity=I&token=T   "click the link" SES mailed to I
  POST /_sendready/ses/verify-email {"identity"}   the same without the token (tests)
  POST /_sendready/ses/config   {"dns", "verificationWindowSeconds", "identityLimit"}
  POST /_sendready/ses/account  {"productionAccessEnabled", "sendingEnabled"}
  POST /_sendready/ses/faults   {"operation", "error", "count", "seconds"}: the next
                                `count` calls (or every call for `seconds`) of the
                                operation fail with that SES error; {} clears them;
                                with "delaySeconds" instead of "error", the call is
                                carried out and its answer held back that long (an
                                answer lost or late on the network: SES did the work,
                                the client gave up waiting); with "identity", only
                                the calls about that identity
  GET  /_sendready/ses/events    the events published to configuration-set destinations
  GET  /_sendready/ses/messages  the messages SES accepted
  GET  /_sendready/ses/state     identities, tenants and configuration sets, for a person
"""

import base64
import glob
import gzip
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
import uuid
from email.utils import formatdate

from werkzeug.wrappers import Request, Response

ACCOUNT = "123456789012"
DEFAULT_WINDOW = 72 * 3600


def log(msg):
    print(f"local SES: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Routing: botocore's sesv2 model names each operation's method and URI template, so a
# request is routed exactly as SES routes it.


def _load_model():
    import botocore

    base = os.path.join(os.path.dirname(botocore.__file__), "data", "sesv2")
    path = sorted(glob.glob(os.path.join(base, "*", "service-2.json*")))[-1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


MODEL = _load_model()


def _routes():
    out = []
    for name, op in MODEL["operations"].items():
        uri = op["http"]["requestUri"]
        path, _, _query = uri.partition("?")
        names = []

        def group(m):
            key = m.group(1)
            greedy = key.endswith("+")
            names.append(key.rstrip("+"))
            return "(.+)" if greedy else "([^/]+)"

        pattern = "^" + re.sub(r"\{([^}]+)\}", group, re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        out.append((op["http"]["method"], re.compile(pattern), names, name))
    # Literal paths first, so /v2/email/tenants/get is not taken for a template.
    out.sort(key=lambda r: (r[1].pattern.count("([^/]+)") + r[1].pattern.count("(.+)"), -len(r[1].pattern)))
    # Older SDKs list identities and configuration sets with GET and a query string.
    out.append(("GET", re.compile(r"^/v2/email/identities$"), [], "ListEmailIdentities"))
    out.append(("GET", re.compile(r"^/v2/email/configuration-sets$"), [], "ListConfigurationSets"))
    return out


ROUTES = _routes()


def _error_status(code):
    shape = MODEL["shapes"].get(code, {})
    return shape.get("error", {}).get("httpStatusCode", 400)


class SesError(Exception):
    """An SES error answer: `x-amzn-ErrorType` names it, the body carries the message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _region(request):
    m = re.search(r"Credential=[^/]+/\d+/([a-z0-9-]+)/", request.headers.get("Authorization", ""))
    return m.group(1) if m else os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


# ---------------------------------------------------------------------------------------
# DNS as SES sees it.


def _resolver(addr):
    import dns.resolver

    r = dns.resolver.Resolver(configure=False)
    host, _, port = addr.rpartition(":")
    r.nameservers = [host]
    r.port = int(port)
    r.lifetime = 2.0
    r.timeout = 1.0
    return r


def lookup(addr, name, rtype):
    """('found', [values]) | ('nxdomain', []) | ('nodata', []) | ('error', [reason])."""
    import dns.exception
    import dns.resolver

    if not addr:
        return ("nxdomain", [])
    try:
        answer = _resolver(addr).resolve(name.rstrip(".") + ".", rtype, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return ("nxdomain", [])
    except (dns.exception.DNSException, OSError) as e:
        return ("error", [str(e)])
    values = []
    for rr in answer.rrset or []:
        if rtype == "CNAME":
            values.append(rr.target.to_text().rstrip(".").lower())
        elif rtype == "TXT":
            values.append(b"".join(rr.strings).decode("utf-8", "replace"))
        elif rtype == "MX":
            values.append(f"{rr.preference} {rr.exchange.to_text().rstrip('.').lower()}")
    return ("found", values) if values else ("nodata", [])


# ---------------------------------------------------------------------------------------
# State.

REGIONAL_DKIM = {
    "af-south-1", "ap-northeast-3", "ap-south-2", "ap-southeast-3", "ap-southeast-5", "ca-west-1",
    "eu-central-2", "eu-south-1", "il-central-1", "me-central-1", "us-gov-east-1",
}


def signing_zone(region):
    # SES: Easy DKIM CNAMEs point into dkim.amazonses.com, or dkim.<region>.amazonses.com
    # in the regions that have their own DKIM domain.
    return f"dkim.{region}.amazonses.com" if region in REGIONAL_DKIM else "dkim.amazonses.com"


def public_key_of(private_b64):
    """The base64 SubjectPublicKeyInfo of a BYODKIM private key (PKCS#1 or PKCS#8 DER)."""
    from cryptography.hazmat.primitives import serialization

    der = base64.b64decode(private_b64)
    try:
        key = serialization.load_der_private_key(der, password=None)
    except ValueError:
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401

        pem = b"-----BEGIN RSA PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PRIVATE KEY-----\n"
        key = serialization.load_pem_private_key(pem, password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(spki).decode()


class Identity:
    def __init__(self, name, region, dkim_attrs, tags, config_set):
        self.name = name
        self.type = "EMAIL_ADDRESS" if "@" in name else "DOMAIN"
        self.region = region
        self.created = time.time()
        self.pending_since = self.created
        self.status = "PENDING"
        self.error_type = None
        self.last_checked = None
        self.last_success = None
        self.tags = tags or []
        self.config_set = config_set
        self.policies = {}
        self.verify_token = secrets.token_urlsafe(24)
        self.dkim = None
        self.mail_from = None
        self.feedback_forwarding = True
        if self.type == "DOMAIN":
            self.set_dkim(dkim_attrs or {})

    def set_dkim(self, attrs):
        """SES: without a selector and key, Easy DKIM with three tokens (RSA 2048 unless
        1024 is asked); with them, BYODKIM (origin EXTERNAL, no tokens). Either starts
        PENDING until the records resolve."""
        if attrs.get("DomainSigningPrivateKey") and attrs.get("DomainSigningSelector"):
            try:
                public = public_key_of(attrs["DomainSigningPrivateKey"])
            except Exception as e:  # noqa: BLE001 - any parse failure is SES's BadRequest
                raise SesError("BadRequestException", f"Invalid DKIM signing private key: {e}") from e
            self.dkim = {
                "origin": "EXTERNAL", "selector": attrs["DomainSigningSelector"], "public": public,
                "tokens": [], "length": None, "next_length": None,
            }
        else:
            length = attrs.get("NextSigningKeyLength") or "RSA_2048_BIT"
            # SES keeps an Easy DKIM identity's three tokens when the origin is set to
            # AWS_SES again (it rotates the keys behind the CNAMEs); a switch from BYODKIM
            # or a new identity gets new ones.
            if self.dkim and self.dkim["origin"] == "AWS_SES":
                tokens = self.dkim["tokens"]
            else:
                tokens = [base64.b32encode(secrets.token_bytes(20)).decode().lower() for _ in range(3)]
            self.dkim = {
                "origin": "AWS_SES", "selector": None, "public": None,
                "tokens": tokens, "length": length, "next_length": length,
            }
        self.dkim["status"] = "PENDING"
        self.dkim["signing_enabled"] = True
        self.dkim["keygen"] = time.time()
        self.status = "PENDING"
        self.error_type = None
        self.pending_since = time.time()

    def arn(self):
        return f"arn:aws:ses:{self.region}:{ACCOUNT}:identity/{self.name}"

    def expected_records(self):
        """(name, type, expected value) of what SES looks for."""
        if self.type != "DOMAIN" or not self.dkim:
            return []
        if self.dkim["origin"] == "EXTERNAL":
            return [(f"{self.dkim['selector']}._domainkey.{self.name}", "TXT", self.dkim["public"])]
        zone = signing_zone(self.region)
        return [(f"{t}._domainkey.{self.name}", "CNAME", f"{t}.{zone}") for t in self.dkim["tokens"]]

    def refresh(self, emu):
        """SES checks a PENDING domain's DKIM records until they resolve (then SUCCESS for
        both the identity and DKIM) or 72 hours pass (then FAILED, with
        VerificationInfo.ErrorType saying what it found). The emulation checks when the
        identity is read or used, against the local DNS, with a configurable window."""
        if self.type != "DOMAIN":
            return
        if self.mail_from and self.mail_from["status"] in ("PENDING", "FAILED", "TEMPORARY_FAILURE"):
            self.refresh_mail_from(emu)
        if self.status not in ("PENDING", "TEMPORARY_FAILURE"):
            return
        now = time.time()
        self.last_checked = now
        worst = None
        for name, rtype, want in self.expected_records():
            state, values = lookup(emu.dns, name, rtype)
            if state == "found" and (want.lower() in [v.lower() for v in values] if rtype == "CNAME" else any(want in v.replace(" ", "") for v in values)):
                continue
            if state == "found":
                kind = "INVALID_VALUE"
            elif state == "nodata":
                kind = "TYPE_NOT_FOUND"
            elif state == "error":
                kind = "DNS_SERVER_ERROR"
            else:
                kind = "HOST_NOT_FOUND"
            worst = worst or kind
        if worst is None:
            self.status = "SUCCESS"
            self.dkim["status"] = "SUCCESS"
            self.error_type = None
            self.last_success = now
            log(f"{self.name}: DKIM records found; verification SUCCESS")
        elif now - self.pending_since > emu.window:
            self.status = "FAILED"
            self.dkim["status"] = "FAILED"
            self.error_type = worst
            log(f"{self.name}: no valid DKIM records after {emu.window:g} s; verification FAILED ({worst})")

    def refresh_mail_from(self, emu):
        """SES: the MAIL FROM domain is SUCCESS once its MX points at
        feedback-smtp.<region>.amazonses.com; FAILED when it was never found within the
        window; TEMPORARY_FAILURE when a once-found MX disappears."""
        mf = self.mail_from
        want = f"feedback-smtp.{self.region}.amazonses.com"
        state, values = lookup(emu.dns, mf["domain"], "MX")
        found = state == "found" and any(v.split(" ", 1)[-1] == want for v in values)
        if found:
            mf["status"] = "SUCCESS"
            mf["seen"] = True
        elif mf.get("seen"):
            mf["status"] = "TEMPORARY_FAILURE"
        elif time.time() - mf["since"] > emu.window:
            mf["status"] = "FAILED"

    def verified(self):
        return self.status == "SUCCESS"

    def get_response(self):
        out = {
            "IdentityType": self.type,
            "FeedbackForwardingStatus": self.feedback_forwarding,
            "VerifiedForSendingStatus": self.verified(),
            "Policies": self.policies,
            "Tags": self.tags,
            "VerificationStatus": self.status,
            "VerificationInfo": {k: v for k, v in {
                "LastCheckedTimestamp": self.last_checked,
                "LastSuccessTimestamp": self.last_success,
                "ErrorType": self.error_type,
            }.items() if v is not None},
        }
        if self.config_set:
            out["ConfigurationSetName"] = self.config_set
        if self.dkim:
            d = self.dkim
            dk = {
                "SigningEnabled": d["signing_enabled"],
                "Status": d["status"],
                "Tokens": d["tokens"],
                "SigningAttributesOrigin": d["origin"],
                "LastKeyGenerationTimestamp": d["keygen"],
            }
            if d["origin"] == "AWS_SES":
                dk["SigningHostedZone"] = signing_zone(self.region)
                dk["CurrentSigningKeyLength"] = d["length"]
                dk["NextSigningKeyLength"] = d["next_length"]
            out["DkimAttributes"] = dk
        else:
            # SES: an email identity's DKIM is NOT_STARTED (it signs with its domain's).
            out["DkimAttributes"] = {"SigningEnabled": False, "Status": "NOT_STARTED", "Tokens": []}
        if self.mail_from:
            out["MailFromAttributes"] = {
                "MailFromDomain": self.mail_from["domain"],
                "MailFromDomainStatus": self.mail_from["status"],
                "BehaviorOnMxFailure": self.mail_from["behavior"],
            }
        return out


class Region:
    def __init__(self):
        self.identities = {}
        self.tenants = {}
        self.config_sets = {}
        self.associations = {}  # tenant name -> {resource arn: timestamp}
        self.reputation = {}  # resource arn -> {"policy", "customer", "customer_at"}
        self.sent = []  # (timestamp) of accepted recipients, for SentLast24Hours


class Emulation:
    def __init__(self):
        self.lock = threading.RLock()
        self.regions = {}
        self.dns = os.environ.get("SENDREADY_SES_DNS") or None
        self.window = float(os.environ.get("SENDREADY_SES_VERIFICATION_WINDOW", DEFAULT_WINDOW))
        self.identity_limit = int(os.environ.get("SENDREADY_SES_IDENTITY_LIMIT", "10000"))
        self.production = os.environ.get("SENDREADY_SES_SANDBOX", "1") != "1"
        self.sending_enabled = True
        self.public_url = os.environ.get("SENDREADY_SES_PUBLIC_URL")
        self.faults = {}  # operation -> {"error", "count", "until"}
        self.events = []
        self.messages = []

    def region(self, name):
        return self.regions.setdefault(name, Region())

    # ---- faults

    def check_fault(self, op, body=None):
        f = self.faults.get(op)
        if not f:
            return
        # A fault for one identity (a slow or failing name) leaves the others' calls alone.
        if f.get("identity") and (body or {}).get("EmailIdentity") != f["identity"]:
            return
        now = time.time()
        if f.get("until") and now > f["until"]:
            del self.faults[op]
            return
        if f.get("count") is not None:
            if f["count"] <= 0:
                del self.faults[op]
                return
            f["count"] -= 1
        if f.get("delay"):
            return f["delay"]
        code = f["error"]
        raise SesError(code, "Maximum sending rate exceeded." if code == "TooManyRequestsException" else f"Injected {code} (local fault switch).")

    # ---- WSGI

    def handles(self, path):
        return path.startswith("/v2/email/") or path.startswith("/_sendready/ses/")

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_sendready/ses/"):
            response = self.control(request)
        else:
            response = self.api(request)
        return response(environ, start_response)

    def api(self, request):
        # Match on the path as sent: an ARN in a path segment has its "/" encoded.
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        path = raw.split("?", 1)[0]
        for method, pattern, names, op in ROUTES:
            if method != request.method:
                continue
            m = pattern.match(path)
            if not m:
                continue
            params = {k: urllib.parse.unquote(v) for k, v in zip(names, m.groups())}
            handler = getattr(self, "op_" + op, None)
            if handler is None:
                return _error("NotImplemented", f"The local SES does not emulate {op}.", 501)
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _error("BadRequestException", "The request body is not JSON.")
            body.update(params)
            for k, v in request.args.items():
                body.setdefault(k, v)
            try:
                with self.lock:
                    delay = self.check_fault(op, body)
                    result = handler(self.region(_region(request)), _region(request), body)
            except SesError as e:
                return _error(e.code, e.message)
            if delay:
                time.sleep(delay)
            return Response(json.dumps(result or {}), status=200, content_type="application/json")
        return _error("NotFoundException", f"No SES v2 operation at {request.method} {path}.", 404)

    # ---- identities

    def _identity(self, reg, name, refresh=True):
        ident = reg.identities.get(name) or reg.identities.get(name.lower())
        if ident is None:
            # SES: an identity the account does not have.
            raise SesError("NotFoundException", f"Email identity {name} does not exist.")
        if refresh:
            ident.refresh(self)
        return ident

    def op_CreateEmailIdentity(self, reg, region, body):
        name = body.get("EmailIdentity") or ""
        if not name:
            raise SesError("BadRequestException", "EmailIdentity is required.")
        key = name if "@" in name else name.lower()
        if key in reg.identities:
            # SES refuses a second create of an identity the account has.
            raise SesError("AlreadyExistsException", f"Email identity {name} already exist.")
        if len(reg.identities) >= self.identity_limit:
            # SES: at most 10,000 identities per account and region.
            raise SesError("LimitExceededException", f"Maximum number of identities ({self.identity_limit}) reached.")
        cs = body.get("ConfigurationSetName")
        if cs and cs not in reg.config_sets:
            raise SesError("NotFoundException", f"Configuration set <{cs}> does not exist.")
        attrs = body.get("DkimSigningAttributes") or {}
        if "@" in name and attrs:
            raise SesError("BadRequestException", "DKIM signing attributes apply to domain identities only.")
        ident = Identity(key, region, attrs, body.get("Tags"), cs)
        reg.identities[key] = ident
        if ident.type == "EMAIL_ADDRESS":
            self._mail_verification_link(ident)
        else:
            ident.refresh(self)
        r = ident.get_response()
        return {"IdentityType": r["IdentityType"], "VerifiedForSendingStatus": r["VerifiedForSendingStatus"], "DkimAttributes": r["DkimAttributes"]}

    def _mail_verification_link(self, ident):
        # SES mails the address a link, valid for 24 hours, that verifies it when opened.
        base = self.public_url or "http://127.0.0.1"
        q = urllib.parse.urlencode({"identity": ident.name, "token": ident.verify_token})
        log(f"verification mail to {ident.name}: open {base}/_sendready/ses/verify?{q}")

    def op_GetEmailIdentity(self, reg, region, body):
        return self._identity(reg, body["EmailIdentity"]).get_response()

    def op_DeleteEmailIdentity(self, reg, region, body):
        ident = self._identity(reg, body["EmailIdentity"], refresh=False)
        del reg.identities[ident.name]
        for assoc in reg.associations.values():
            assoc.pop(ident.arn(), None)
        return {}

    def op_ListEmailIdentities(self, reg, region, body):
        items = []
        for ident in reg.identities.values():
            ident.refresh(self)
            items.append({
                "IdentityType": ident.type, "IdentityName": ident.name,
                "SendingEnabled": True, "VerificationStatus": ident.status,
            })
        return _page(items, body, "EmailIdentities")

    def op_PutEmailIdentityDkimSigningAttributes(self, reg, region, body):
        ident = self._identity(reg, body["EmailIdentity"], refresh=False)
        if ident.type != "DOMAIN":
            raise SesError("BadRequestException", "DKIM signing attributes apply to domain identities only.")
        origin = body.get("SigningAttributesOrigin")
        attrs = body.get("SigningAttributes") or {}
        if origin == "EXTERNAL" and not (attrs.get("DomainSigningSelector") and attrs.get("DomainSigningPrivateKey")):
            raise SesError("BadRequestException", "EXTERNAL signing needs DomainSigningSelector and DomainSigningPrivateKey.")
        # SES: switching (or re-asking) the origin restarts DKIM verification: PENDING
        # again, with new tokens for AWS_SES, and the 72-hour window starts over.
        ident.set_dkim(attrs if origin == "EXTERNAL" else {"NextSigningKeyLength": attrs.get("NextSigningKeyLength")})
        ident.refresh(self)
        d = ident.dkim
        out = {"DkimStatus": d["status"], "DkimTokens": d["tokens"]}
        if d["origin"] == "AWS_SES":
            out["SigningHostedZone"] = signing_zone(region)
        return out

    def op_PutEmailIdentityDkimAttributes(self, reg, region, body):
        ident = self._identity(reg, body["EmailIdentity"], refresh=False)
        if ident.dkim:
            ident.dkim["signing_enabled"] = bool(body.get("SigningEnabled"))
        return {}

    def op_PutEmailIdentityMailFromAttributes(self, reg, region, body):
        ident = self._identity(reg, body["EmailIdentity"], refresh=False)
        domain = (body.get("MailFromDomain") or "").strip().lower().rstrip(".")
        if not domain:
            # SES: an empty MailFromDomain turns the custom MAIL FROM off.
            ident.mail_from = None
            return {}
        parent = ident.name.split("@")[-1]
        if domain == parent or not domain.endswith("." + parent):
            # SES: the MAIL FROM domain must be a subdomain of the verified identity.
            raise SesError("BadRequestException", f"Custom MAIL FROM domain {domain} must be a subdomain of {parent}.")
        behavior = body.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
        if behavior not in ("USE_DEFAULT_VALUE", "REJECT_MESSAGE"):
            raise SesError("BadRequestException", f"BehaviorOnMxFailure {behavior} is not USE_DEFAULT_VALUE or REJECT_MESSAGE.")
        ident.mail_from = {"domain": domain, "behavior": behavior, "status": "PENDING", "since": time.time()}
        ident.refresh_mail_from(self)
        return {}

    def op_PutEmailIdentityConfigurationSetAttributes(self, reg, region, body):
        ident = self._identity(reg, body["EmailIdentity"], refresh=False)
        cs = body.get("ConfigurationSetName")
        if cs and cs not in reg.config_sets:
            raise SesError("NotFoundException", f"Configuration set <{cs}> does not exist.")
        ident.config_set = cs or None
        return {}

    # ---- account

    def op_GetAccount(self, reg, region, body):
        # SES: a new account is in the sandbox (200 messages a day, 1 a second, verified
        # recipients only) until production access is granted.
        day_ago = time.time() - 86400
        sent = sum(1 for t in reg.sent if t > day_ago)
        return {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": self.production,
            "SendQuota": {
                "Max24HourSend": 50000.0 if self.production else 200.0,
                "MaxSendRate": 14.0 if self.production else 1.0,
                "SentLast24Hours": float(sent),
            },
            "SendingEnabled": self.sending_enabled,
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        }

    # ---- configuration sets and event destinations

    def _config_set(self, reg, name):
        cs = reg.config_sets.get(name)
        if cs is None:
            raise SesError("NotFoundException", f"Configuration set <{name}> does not exist.")
        return cs

    def op_CreateConfigurationSet(self, reg, region, body):
        name = body.get("ConfigurationSetName") or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
            raise SesError("BadRequestException", "Configuration set names are 1-64 letters, digits, _ and -.")
        if name in reg.config_sets:
            raise SesError("AlreadyExistsException", f"Configuration set <{name}> already exists.")
        reg.config_sets[name] = {
            "name": name, "destinations": {}, "tags": body.get("Tags") or [],
            "sending": (body.get("SendingOptions") or {}).get("SendingEnabled", True),
            "suppression": body.get("SuppressionOptions"),
            "reputation": body.get("ReputationOptions") or {"ReputationMetricsEnabled": False},
        }
        return {}

    def op_GetConfigurationSet(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        out = {
            "ConfigurationSetName": cs["name"], "Tags": cs["tags"],
            "SendingOptions": {"SendingEnabled": cs["sending"]},
            "ReputationOptions": cs["reputation"],
        }
        if cs["suppression"]:
            out["SuppressionOptions"] = cs["suppression"]
        return out

    def op_ListConfigurationSets(self, reg, region, body):
        return _page(sorted(reg.config_sets), body, "ConfigurationSets")

    def op_DeleteConfigurationSet(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        del reg.config_sets[cs["name"]]
        return {}

    def op_CreateConfigurationSetEventDestination(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        name = body.get("EventDestinationName") or ""
        dest = body.get("EventDestination") or {}
        if name in cs["destinations"]:
            raise SesError("AlreadyExistsException", f"Event destination {name} already exists.")
        kinds = [k for k in ("SnsDestination", "EventBridgeDestination", "CloudWatchDestination", "KinesisFirehoseDestination", "PinpointDestination") if k in dest]
        if len(kinds) != 1:
            raise SesError("BadRequestException", "An event destination names exactly one destination.")
        cs["destinations"][name] = {
            "Name": name, "Enabled": dest.get("Enabled", False),
            "MatchingEventTypes": dest.get("MatchingEventTypes") or [], kinds[0]: dest[kinds[0]],
        }
        return {}

    def op_UpdateConfigurationSetEventDestination(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        name = body.get("EventDestinationName")
        if name not in cs["destinations"]:
            raise SesError("NotFoundException", f"Event destination {name} does not exist.")
        del cs["destinations"][name]
        return self.op_CreateConfigurationSetEventDestination(reg, region, body)

    def op_GetConfigurationSetEventDestinations(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        return {"EventDestinations": list(cs["destinations"].values())}

    def op_DeleteConfigurationSetEventDestination(self, reg, region, body):
        cs = self._config_set(reg, body["ConfigurationSetName"])
        if cs["destinations"].pop(body.get("EventDestinationName"), None) is None:
            raise SesError("NotFoundException", "Event destination does not exist.")
        return {}

    # ---- tenants

    def _tenant(self, reg, name):
        t = reg.tenants.get(name)
        if t is None:
            raise SesError("NotFoundException", f"Tenant {name} does not exist.")
        return t

    def op_CreateTenant(self, reg, region, body):
        name = body.get("TenantName") or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
            raise SesError("BadRequestException", "Tenant names are 1-64 letters, digits, _ and -.")
        if name in reg.tenants:
            raise SesError("AlreadyExistsException", f"Tenant {name} already exists.")
        tid = uuid.uuid4().hex[:20]
        t = {
            "TenantName": name, "TenantId": tid,
            "TenantArn": f"arn:aws:ses:{region}:{ACCOUNT}:tenant/{name}/{tid}",
            "CreatedTimestamp": time.time(), "Tags": body.get("Tags") or [],
            "SendingStatus": "ENABLED",
        }
        if body.get("SuppressionAttributes"):
            t["SuppressionAttributes"] = body["SuppressionAttributes"]
        reg.tenants[name] = t
        reg.associations[name] = {}
        # SES applies no automatic pause until a reputation policy is chosen for the
        # tenant; the emulation starts it on `none`.
        reg.reputation[t["TenantArn"]] = {"policy": f"arn:aws:ses:{region}:aws:reputation-policy/none"}
        return dict(t)

    def op_GetTenant(self, reg, region, body):
        return {"Tenant": dict(self._tenant(reg, body.get("TenantName")))}

    def op_ListTenants(self, reg, region, body):
        keys = ("TenantName", "TenantId", "TenantArn", "CreatedTimestamp", "SendingStatus")
        return _page([{k: t[k] for k in keys} for t in reg.tenants.values()], body, "Tenants")

    def op_DeleteTenant(self, reg, region, body):
        t = self._tenant(reg, body.get("TenantName"))
        del reg.tenants[t["TenantName"]]
        reg.associations.pop(t["TenantName"], None)
        return {}

    def _resource(self, reg, arn):
        m = re.fullmatch(r"arn:aws:ses:[a-z0-9-]+:\d+:(identity|configuration-set|template)/(.+)", arn or "")
        if not m:
            raise SesError("BadRequestException", f"{arn} is not an SES identity, configuration set or template ARN.")
        kind, name = m.groups()
        if kind == "identity" and name not in reg.identities:
            raise SesError("NotFoundException", f"Email identity {name} does not exist.")
        if kind == "configuration-set" and name not in reg.config_sets:
            raise SesError("NotFoundException", f"Configuration set <{name}> does not exist.")
        return {"identity": "EMAIL_IDENTITY", "configuration-set": "CONFIGURATION_SET", "template": "EMAIL_TEMPLATE"}[kind]

    def op_CreateTenantResourceAssociation(self, reg, region, body):
        t = self._tenant(reg, body.get("TenantName"))
        arn = body.get("ResourceArn")
        self._resource(reg, arn)
        assoc = reg.associations[t["TenantName"]]
        if arn in assoc:
            raise SesError("AlreadyExistsException", f"{arn} is already associated with tenant {t['TenantName']}.")
        assoc[arn] = time.time()
        return {}

    def op_DeleteTenantResourceAssociation(self, reg, region, body):
        t = self._tenant(reg, body.get("TenantName"))
        if reg.associations[t["TenantName"]].pop(body.get("ResourceArn"), None) is None:
            raise SesError("NotFoundException", f"{body.get('ResourceArn')} is not associated with tenant {t['TenantName']}.")
        return {}

    def op_ListTenantResources(self, reg, region, body):
        t = self._tenant(reg, body.get("TenantName"))
        items = [{"ResourceType": self._resource(reg, arn), "ResourceArn": arn} for arn in reg.associations[t["TenantName"]]]
        return _page(items, body, "TenantResources")

    def op_ListResourceTenants(self, reg, region, body):
        arn = body.get("ResourceArn")
        items = [
            {"TenantName": name, "TenantId": reg.tenants[name]["TenantId"], "ResourceArn": arn, "AssociatedTimestamp": assoc[arn]}
            for name, assoc in reg.associations.items() if arn in assoc
        ]
        return _page(items, body, "ResourceTenants")

    def op_PutTenantSuppressionAttributes(self, reg, region, body):
        t = self._tenant(reg, body.get("TenantName"))
        reasons = body.get("SuppressedReasons") or []
        if any(r not in ("BOUNCE", "COMPLAINT") for r in reasons):
            raise SesError("BadRequestException", "SuppressedReasons are BOUNCE and COMPLAINT.")
        t["SuppressionAttributes"] = {"SuppressedReasons": reasons, "SuppressionScope": body.get("SuppressionScope") or "TENANT"}
        return {}

    # ---- reputation entities

    def _entity(self, reg, body):
        if body.get("ReputationEntityType") != "RESOURCE":
            raise SesError("BadRequestException", "ReputationEntityType must be RESOURCE.")
        ref = body.get("ReputationEntityReference") or ""
        known = {t["TenantArn"] for t in reg.tenants.values()} | {i.arn() for i in reg.identities.values()}
        cs = re.fullmatch(r"arn:aws:ses:[a-z0-9-]+:\d+:configuration-set/(.+)", ref)
        if ref not in known and not (cs and cs.group(1) in reg.config_sets):
            raise SesError("NotFoundException", f"Reputation entity {ref} does not exist.")
        return ref, reg.reputation.setdefault(ref, {"policy": None})

    def op_GetReputationEntity(self, reg, region, body):
        ref, rep = self._entity(reg, body)
        customer = rep.get("customer", "ENABLED")
        aws_status = rep.get("aws", "ENABLED")
        entity = {
            "ReputationEntityReference": ref, "ReputationEntityType": "RESOURCE",
            "CustomerManagedStatus": {"Status": customer, "LastUpdatedTimestamp": rep.get("customer_at", time.time())},
            "AwsSesManagedStatus": {"Status": aws_status, "LastUpdatedTimestamp": rep.get("aws_at", time.time())},
            "SendingStatusAggregate": "DISABLED" if "DISABLED" in (customer, aws_status) else "ENABLED",
            "ReputationImpact": rep.get("impact", "LOW"),
        }
        if rep.get("policy"):
            entity["ReputationManagementPolicy"] = rep["policy"]
        return {"ReputationEntity": entity}

    def op_UpdateReputationEntityPolicy(self, reg, region, body):
        ref, rep = self._entity(reg, body)
        policy = body.get("ReputationEntityPolicy") or ""
        # SES's managed policies: arn:<partition>:ses:<region>:aws:reputation-policy/
        # none | standard | strict.
        if not re.fullmatch(r"arn:[a-z0-9-]+:ses:[a-z0-9-]+:aws:reputation-policy/(none|standard|strict)", policy):
            raise SesError("BadRequestException", f"{policy} is not an SES-managed reputation policy (none, standard, strict).")
        rep["policy"] = policy
        return {}

    def op_UpdateReputationEntityCustomerManagedStatus(self, reg, region, body):
        ref, rep = self._entity(reg, body)
        status = body.get("SendingStatus")
        if status not in ("ENABLED", "REINSTATED", "DISABLED"):
            raise SesError("BadRequestException", "SendingStatus is ENABLED, REINSTATED or DISABLED.")
        rep["customer"] = status
        rep["customer_at"] = time.time()
        for t in reg.tenants.values():
            if t["TenantArn"] == ref:
                t["SendingStatus"] = status
        return {}

    # ---- sending

    def op_SendEmail(self, reg, region, body):
        if not self.sending_enabled:
            # SES: sending paused for the whole account.
            raise SesError("SendingPausedException", "Sending is paused for this account.")
        content = body.get("Content") or {}
        source = body.get("FromEmailAddress") or ""
        dest = body.get("Destination") or {}
        recipients = (dest.get("ToAddresses") or []) + (dest.get("CcAddresses") or []) + (dest.get("BccAddresses") or [])
        raw = None
        if "Raw" in content:
            raw = base64.b64decode(content["Raw"]["Data"]).decode("utf-8", "replace")
            if not source:
                m = re.search(r"^From:.*?<?([^<>\s]+@[^<>\s]+)>?\s*$", raw, re.M | re.I)
                source = m.group(1) if m else ""
            if not recipients:
                for header in ("To", "Cc", "Bcc"):
                    for m in re.finditer(rf"^{header}:(.*)$", raw, re.M | re.I):
                        recipients += re.findall(r"[^<>\s,]+@[^<>\s,]+", m.group(1))
        elif "Simple" not in content and "Template" not in content:
            raise SesError("BadRequestException", "Content needs Simple, Raw or Template.")
        if not recipients:
            raise SesError("BadRequestException", "Missing final '@domain'" if not source else "Destination has no recipient.")
        addr = re.sub(r"^.*<([^>]+)>.*$", r"\1", source).strip()
        # SES: the From address must be covered by a verified identity in this region
        # (the address itself, or its domain).
        domain = addr.rsplit("@", 1)[-1].lower()
        identity = None
        for key in (addr, addr.lower(), domain):
            i = reg.identities.get(key)
            if i is not None:
                i.refresh(self)
                if i.verified():
                    identity = i
                    break
        region_upper = region.upper()
        if identity is None:
            raise SesError("MessageRejected", f"Email address is not verified. The following identities failed the check in region {region_upper}: {addr}")
        # SES: in the sandbox every recipient must be verified too, except the mailbox
        # simulator's addresses.
        if not self.production:
            unverified = [r for r in recipients if not r.lower().endswith("@simulator.amazonses.com") and not self._verified_address(reg, r)]
            if unverified:
                raise SesError("MessageRejected", f"Email address is not verified. The following identities failed the check in region {region_upper}: {', '.join(unverified)}")
            day_ago = time.time() - 86400
            if sum(1 for t in reg.sent if t > day_ago) + len(recipients) > 200:
                raise SesError("LimitExceededException", "Daily message quota exceeded.")
        # SES: with custom MAIL FROM and REJECT_MESSAGE, a MAIL FROM domain whose MX is not
        # found fails the send.
        mf = identity.mail_from
        if mf and mf["behavior"] == "REJECT_MESSAGE" and mf["status"] != "SUCCESS":
            raise SesError("MailFromDomainNotVerifiedException", f"Custom MAIL FROM domain {mf['domain']} is not verified.")
        tenant = body.get("TenantName")
        cs_name = body.get("ConfigurationSetName") or identity.config_set
        if tenant:
            t = self._tenant(reg, tenant)
            if t["SendingStatus"] == "DISABLED":
                raise SesError("SendingPausedException", f"Sending is paused for tenant {tenant}.")
            assoc = reg.associations[tenant]
            # SES: a send for a tenant must use the tenant's own identity and
            # configuration set.
            if identity.arn() not in assoc:
                raise SesError("BadRequestException", f"Identity {identity.name} is not associated with tenant {tenant}.")
            if cs_name and f"arn:aws:ses:{region}:{ACCOUNT}:configuration-set/{cs_name}" not in assoc:
                raise SesError("BadRequestException", f"Configuration set {cs_name} is not associated with tenant {tenant}.")
        cs = self._config_set(reg, cs_name) if cs_name else None
        if cs is not None and not cs["sending"]:
            raise SesError("SendingPausedException", f"Sending is paused for configuration set {cs_name}.")
        message_id = f"{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000"
        now = time.time()
        reg.sent.extend([now] * len(recipients))
        subject = ((content.get("Simple") or {}).get("Subject") or {}).get("Data", "")
        if raw is not None:
            m = re.search(r"^Subject:(.*)$", raw, re.M | re.I)
            subject = m.group(1).strip() if m else ""
        record = {
            "messageId": message_id, "source": addr, "destination": recipients, "subject": subject,
            "tenant": tenant, "configurationSet": cs_name, "timestamp": now, "region": region,
        }
        if raw is not None:
            record["raw"] = raw
        else:
            simple = content.get("Simple") or {}
            record["text"] = ((simple.get("Body") or {}).get("Text") or {}).get("Data")
            record["html"] = ((simple.get("Body") or {}).get("Html") or {}).get("Data")
        self.messages.append(record)
        self._record_in_moto(region, addr, recipients, subject, record)
        if cs is not None:
            self._publish(reg, region, cs, identity, record, body.get("EmailTags") or [])
        return {"MessageId": message_id}

    def _verified_address(self, reg, address):
        i = reg.identities.get(address) or reg.identities.get(address.lower())
        if i is None:
            i = reg.identities.get(address.rsplit("@", 1)[-1].lower())
        if i is None:
            return False
        i.refresh(self)
        return i.verified()

    def _record_in_moto(self, region, source, recipients, subject, record):
        """Keeps moto's view of sent mail (/moto-api/data.json) as it was."""
        try:
            from moto.ses.models import Message, ses_backends

            backend = ses_backends[ACCOUNT][region]
            body = record.get("html") or record.get("text") or record.get("raw") or ""
            backend.sent_messages.append(Message(record["messageId"], source, subject, body, {"ToAddresses": recipients}))
            backend.sent_message_count += len(recipients)
        except Exception as e:  # noqa: BLE001 - moto's internals are a convenience here
            log(f"could not record the message in moto: {e}")

    # ---- events

    def _events_for(self, recipient):
        """SES's events for a mailbox-simulator recipient (SES developer guide, "Using the
        mailbox simulator"): every accepted message is a Send; success@ and ooto@ are
        delivered; bounce@ is a permanent bounce; complaint@ is delivered and then
        complained about; suppressionlist@ bounces as on the suppression list."""
        r = recipient.lower()
        if r == "bounce@simulator.amazonses.com":
            return [("BOUNCE", {"bounceType": "Permanent", "bounceSubType": "General", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"})]
        if r == "suppressionlist@simulator.amazonses.com":
            return [("BOUNCE", {"bounceType": "Permanent", "bounceSubType": "OnAccountSuppressionList", "status": "5.1.1", "diagnosticCode": "Amazon SES did not send the message to this address because it is on the suppression list for your account."})]
        if r == "complaint@simulator.amazonses.com":
            return [("DELIVERY", {}), ("COMPLAINT", {})]
        return [("DELIVERY", {})]

    def _publish(self, reg, region, cs, identity, record, tags):
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))  # noqa: E731
        mail = {
            "timestamp": iso(record["timestamp"]),
            "source": record["source"],
            "sourceArn": identity.arn(),
            "sendingAccountId": ACCOUNT,
            "messageId": record["messageId"],
            "destination": record["destination"],
            "headersTruncated": False,
            "headers": [
                {"name": "From", "value": record["source"]},
                {"name": "To", "value": ", ".join(record["destination"])},
                {"name": "Subject", "value": record["subject"]},
                {"name": "Date", "value": formatdate(record["timestamp"])},
            ],
            "commonHeaders": {
                "from": [record["source"]], "to": record["destination"],
                "messageId": record["messageId"], "subject": record["subject"],
            },
            "tags": {
                "ses:configuration-set": [cs["name"]],
                "ses:source-ip": ["127.0.0.1"],
                "ses:from-domain": [record["source"].rsplit("@", 1)[-1]],
                "ses:caller-identity": ["sendready"],
                **{t["Name"]: [t["Value"]] for t in tags if "Name" in t and "Value" in t},
            },
        }
        if record.get("tenant"):
            mail["tags"]["ses:tenant"] = [record["tenant"]]
        events = [("SEND", {})]
        for r in record["destination"]:
            events += [(kind, dict(extra, recipient=r)) for kind, extra in self._events_for(r)]
        for kind, extra in events:
            detail = {"eventType": _EVENT_TYPE[kind], "mail": mail}
            stamp = iso(now)
            fid = f"{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000"
            if kind == "SEND":
                detail["send"] = {}
            elif kind == "DELIVERY":
                detail["delivery"] = {
                    "timestamp": stamp, "processingTimeMillis": 120, "recipients": [extra["recipient"]],
                    "smtpResponse": "250 2.6.0 Message received", "reportingMTA": "a8-70.smtp-out.amazonses.com",
                }
            elif kind == "BOUNCE":
                detail["bounce"] = {
                    "feedbackId": fid, "bounceType": extra["bounceType"], "bounceSubType": extra["bounceSubType"],
                    "bouncedRecipients": [{"emailAddress": extra["recipient"], "action": "failed", "status": extra["status"], "diagnosticCode": extra["diagnosticCode"]}],
                    "timestamp": stamp, "reportingMTA": "dns; amazonses.com",
                }
            elif kind == "COMPLAINT":
                detail["complaint"] = {
                    "feedbackId": fid, "complainedRecipients": [{"emailAddress": extra["recipient"]}],
                    "timestamp": stamp, "userAgent": "Amazon SES Mailbox Simulator", "complaintFeedbackType": "abuse",
                    "arrivalDate": stamp, "complaintSubType": None,
                }
            for dest in cs["destinations"].values():
                if not dest.get("Enabled") or kind not in dest["MatchingEventTypes"]:
                    continue
                self._deliver(region, cs, dest, kind, detail)

    def _deliver(self, region, cs, dest, kind, detail):
        """SES publishes to EventBridge as an event with source aws.ses and a detail-type per
        event type, and to SNS as the event JSON itself."""
        entry = {"configurationSet": cs["name"], "destination": dest["Name"], "eventType": detail["eventType"], "detail": detail}
        if "EventBridgeDestination" in dest:
            arn = dest["EventBridgeDestination"]["EventBusArn"]
            envelope = {
                "version": "0", "id": str(uuid.uuid4()), "detail-type": _DETAIL_TYPE[kind], "source": "aws.ses",
                "account": ACCOUNT, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": region,
                "resources": [f"arn:aws:ses:{region}:{ACCOUNT}:configuration-set/{cs['name']}"], "detail": detail,
            }
            entry.update(kind="eventbridge", target=arn, event=envelope)
            try:
                from moto.events.models import events_backends

                events_backends[ACCOUNT][region].put_events([{
                    "Source": "aws.ses", "DetailType": envelope["detail-type"], "Detail": json.dumps(detail),
                    "EventBusName": arn.rsplit("/", 1)[-1], "Resources": envelope["resources"],
                }])
            except Exception as e:  # noqa: BLE001 - the bus may not exist in moto
                entry["deliveryError"] = str(e)
        elif "SnsDestination" in dest:
            arn = dest["SnsDestination"]["TopicArn"]
            entry.update(kind="sns", target=arn, event=json.dumps(detail))
            try:
                from moto.sns.models import sns_backends

                sns_backends[ACCOUNT][region].publish(message=json.dumps(detail), arn=arn)
            except Exception as e:  # noqa: BLE001 - the topic may not exist in moto
                entry["deliveryError"] = str(e)
        else:
            entry.update(kind="other", target=None, event=detail)
        self.events.append(entry)

    # ---- control endpoints

    def control(self, request):
        action = request.path[len("/_sendready/ses/"):].strip("/")
        try:
            body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
        except ValueError:
            return _json({"error": "the body is not JSON"}, 400)
        with self.lock:
            if action == "verify":
                return self._click(request.args.get("identity", ""), request.args.get("token"))
            if action == "verify-email":
                return self._click(body.get("identity", ""), None)
            if action == "config":
                if "dns" in body:
                    self.dns = body["dns"] or None
                if "verificationWindowSeconds" in body:
                    self.window = float(body["verificationWindowSeconds"])
                if "identityLimit" in body:
                    self.identity_limit = int(body["identityLimit"])
                if "publicUrl" in body:
                    self.public_url = body["publicUrl"]
                return _json({"dns": self.dns, "verificationWindowSeconds": self.window, "identityLimit": self.identity_limit})
            if action == "account":
                if "productionAccessEnabled" in body:
                    self.production = bool(body["productionAccessEnabled"])
                if "sendingEnabled" in body:
                    self.sending_enabled = bool(body["sendingEnabled"])
                return _json({"productionAccessEnabled": self.production, "sendingEnabled": self.sending_enabled})
            if action == "faults":
                if not body:
                    self.faults.clear()
                    return _json({"faults": {}})
                op, code = body.get("operation"), body.get("error", "TooManyRequestsException")
                if op not in MODEL["operations"]:
                    return _json({"error": f"{op} is not an SES v2 operation"}, 400)
                fault = {"error": code}
                if body.get("delaySeconds") is not None:
                    fault = {"delay": float(body["delaySeconds"])}
                if body.get("count") is not None:
                    fault["count"] = int(body["count"])
                if body.get("seconds") is not None:
                    fault["until"] = time.time() + float(body["seconds"])
                if body.get("identity"):
                    fault["identity"] = body["identity"]
                if "count" not in fault and "until" not in fault:
                    fault["count"] = 1
                self.faults[op] = fault
                return _json({"faults": self.faults})
            if action == "events":
                return _json({"events": self.events})
            if action == "messages":
                return _json({"messages": self.messages})
            if action == "state":
                return _json({
                    region: {
                        "identities": {n: i.get_response() for n, i in reg.identities.items()},
                        "tenants": reg.tenants, "associations": reg.associations,
                        "configurationSets": {n: {"destinations": c["destinations"]} for n, c in reg.config_sets.items()},
                    }
                    for region, reg in self.regions.items()
                })
        return _json({"error": f"no control endpoint {action}"}, 404)

    def _click(self, name, token):
        for reg in self.regions.values():
            ident = reg.identities.get(name) or reg.identities.get(name.lower())
            if ident is None or ident.type != "EMAIL_ADDRESS":
                continue
            if token is not None and token != ident.verify_token:
                return _html(403, "This verification link is not valid for this address.")
            # SES: opening the link verifies the address.
            ident.status = "SUCCESS"
            ident.last_success = time.time()
            log(f"{ident.name}: the verification link was opened; verification SUCCESS")
            return _html(200, f"Congratulations! You have successfully verified {ident.name} with Amazon SES (local).")
        return _html(404, f"No email identity {name} is waiting for verification.")


_EVENT_TYPE = {"SEND": "Send", "DELIVERY": "Delivery", "BOUNCE": "Bounce", "COMPLAINT": "Complaint", "REJECT": "Reject", "DELIVERY_DELAY": "DeliveryDelay", "RENDERING_FAILURE": "Rendering Failure"}
_DETAIL_TYPE = {"SEND": "Email Sent", "DELIVERY": "Email Delivered", "BOUNCE": "Email Bounced", "COMPLAINT": "Email Complaint Received", "REJECT": "Email Rejected", "DELIVERY_DELAY": "Email Delivery Delayed", "RENDERING_FAILURE": "Email Rendering Failed"}


def _page(items, body, key):
    """SES's paging: PageSize (default 100 here) and an opaque NextToken."""
    size = int(body.get("PageSize") or 100)
    start = int(base64.b64decode(body["NextToken"]).decode()) if body.get("NextToken") else 0
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return out


def _error(code, message, status=None):
    return Response(
        json.dumps({"message": message}),
        status=status or _error_status(code),
        content_type="application/json",
        headers={"x-amzn-ErrorType": code},
    )


def _json(value, status=200):
    return Response(json.dumps(value), status=status, content_type="application/json")


def _html(status, text):
    return Response(f"<!doctype html><title>Amazon SES</title><p>{text}</p>", status=status, content_type="text/html")


EMULATION = Emulation()


def install():
    """Puts the emulation in front of moto's server: SES v2 and the control endpoints here,
    every other request to moto as before."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        if EMULATION.handles(environ.get("PATH_INFO", "")):
            return EMULATION(environ, start_response)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch
