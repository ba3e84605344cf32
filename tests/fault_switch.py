"""Fault switches for DynamoDB, Route 53 and KMS in the local stack (SES has its own, in
`ses_emulation.py`): the next N calls, or every call for S seconds, of one operation (or
`*` for all of a service's) are answered with an error in the service's own protocol, as
AWS answers when it throttles or fails.

  POST /_sendready/faults  {"service": "dynamodb"|"route53"|"kms", "operation": "PutItem"|"*",
                            "error": "ThrottlingException", "count": 3, "seconds": 10,
                            "after": 1}
       ("after": let that many calls through first, to fail a later step of one request)
  POST /_sendready/faults  {}      clears every switch
  GET  /_sendready/faults          the switches now set

What each service answers (so the SDK's retry and error classification see what AWS
sends):
- DynamoDB (awsJson1_0): HTTP 400 with `{"__type": "com.amazonaws.dynamodb.v20120810#X",
  "message": ...}` for ThrottlingException and ProvisionedThroughputExceededException,
  HTTP 500 for InternalServerError.
- KMS (awsJson1_1): HTTP 400 `{"__type": "X", "message": ...}` for ThrottlingException,
  HTTP 500 for KMSInternalException.
- Route 53 (restXml): HTTP 400 `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling
  </Code>...` for Throttling and PriorRequestNotComplete, HTTP 500 for InternalFailure.
"""

import json
import re
import threading
import time
import uuid

_SERVER_ERRORS = {"InternalServerError", "KMSInternalException", "InternalFailure", "ServiceUnavailable"}

# Route 53's REST paths, as the operations Sendready calls name them.
_ROUTE53 = [
    ("POST", re.compile(r"^/2013-04-01/hostedzone/[^/]+/rrset/?$"), "ChangeResourceRecordSets"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/[^/]+/rrset/?$"), "ListResourceRecordSets"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/[^/]+/?$"), "GetHostedZone"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/?$"), "ListHostedZones"),
    ("POST", re.compile(r"^/2013-04-01/hostedzone/?$"), "CreateHostedZone"),
]


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.switches = {}  # (service, operation) -> {"error", "count", "until"}

    def operation(self, environ):
        """(service, operation) of a request, or None for one this module does not know."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            return "dynamodb", target.split(".", 1)[-1]
        if target.startswith("TrentService."):
            return "kms", target.split(".", 1)[-1]
        path = environ.get("PATH_INFO", "")
        if path.startswith("/2013-04-01/"):
            method = environ.get("REQUEST_METHOD", "GET")
            for m, pattern, op in _ROUTE53:
                if m == method and pattern.match(path):
                    return "route53", op
            return "route53", "Other"
        return None

    def take(self, service, op):
        """The error to answer with, using up one count, or None."""
        with self.lock:
            for key in ((service, op), (service, "*")):
                f = self.switches.get(key)
                if not f:
                    continue
                if f.get("until") and time.time() > f["until"]:
                    del self.switches[key]
                    continue
                if f.get("after", 0) > 0:
                    f["after"] -= 1
                    return None
                if f.get("count") is not None:
                    if f["count"] <= 0:
                        del self.switches[key]
                        continue
                    f["count"] -= 1
                return f["error"]
        return None

    def control(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return _send(start_response, 400, "application/json", json.dumps({"error": "the body is not JSON"}))
            with self.lock:
                if not body:
                    self.switches.clear()
                else:
                    service = body.get("service")
                    if service not in ("dynamodb", "route53", "kms"):
                        return _send(start_response, 400, "application/json",
                                     json.dumps({"error": "service is dynamodb, route53 or kms (SES: /_sendready/ses/faults)"}))
                    fault = {"error": body.get("error") or _default_error(service)}
                    if body.get("count") is not None:
                        fault["count"] = int(body["count"])
                    if body.get("seconds") is not None:
                        fault["until"] = time.time() + float(body["seconds"])
                    if body.get("after") is not None:
                        fault["after"] = int(body["after"])
                    if "count" not in fault and "until" not in fault:
                        fault["count"] = 1
                    self.switches[(service, body.get("operation") or "*")] = fault
        with self.lock:
            listed = {f"{s}:{o}": f for (s, o), f in self.switches.items()}
        return _send(start_response, 200, "application/json", json.dumps({"faults": listed}))

    def answer(self, service, op, error, start_response):
        status = 500 if error in _SERVER_ERRORS else 400
        message = "Rate exceeded" if "Throttl" in error or error == "PriorRequestNotComplete" else f"Injected {error} (local fault switch)."
        if service == "route53":
            kind = "Receiver" if status == 500 else "Sender"
            body = (
                '<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                f"<Error><Type>{kind}</Type><Code>{error}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
            )
            return _send(start_response, status, "text/xml", body)
        if service == "dynamodb":
            kind, content = f"com.amazonaws.dynamodb.v20120810#{error}", "application/x-amz-json-1.0"
        else:
            kind, content = error, "application/x-amz-json-1.1"
        return _send(start_response, status, content, json.dumps({"__type": kind, "message": message}))


def _default_error(service):
    return "Throttling" if service == "route53" else "ThrottlingException"


def _send(start_response, status, content_type, body):
    data = body.encode()
    reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}[status]
    start_response(f"{status} {reason}", [
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ])
    return [data]


FAULTS = Faults()


def install():
    """Puts the switches in front of moto's server (after the local SES is installed)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        if environ.get("PATH_INFO", "").rstrip("/") == "/_sendready/faults":
            return FAULTS.control(environ, start_response)
        which = FAULTS.operation(environ)
        if which:
            error = FAULTS.take(*which)
            if error:
                return FAULTS.answer(which[0], which[1], error, start_response)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch
