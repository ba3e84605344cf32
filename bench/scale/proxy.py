"""A recording proxy between the backend and moto: forwards every request unchanged and,
for DynamoDB (X-Amz-Target DynamoDB_20120810.<Operation>), counts per operation the
requests, the items read (Items of a Query/Scan, an Item of GetItem, every item of a
BatchGetItem's Responses, Attributes an update returns) and the bytes read and written.
moto reports no consumed capacity, so these counts stand in for it: DynamoDB bills a read
by the bytes it reads (4 KB a unit), and a partition's throughput by its requests.

GET /_counts answers the counts so far as JSON; POST /_reset zeroes them.
Usage: proxy.py <listen port> <upstream base URL>
"""
import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOCK = threading.Lock()
COUNTS: dict = {}
UPSTREAM = urlsplit(sys.argv[2])


def items_read(op: str, body: dict) -> int:
    if op in ("Query", "Scan"):
        return len(body.get("Items", []))
    if op == "GetItem":
        return 1 if body.get("Item") else 0
    if op == "BatchGetItem":
        return sum(len(v) for v in body.get("Responses", {}).values())
    if op in ("UpdateItem", "PutItem", "DeleteItem"):
        return 1 if body.get("Attributes") else 0
    return 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _local(self):
        if self.path == "/_counts":
            with LOCK:
                data = json.dumps(COUNTS).encode()
        elif self.path == "/_reset":
            with LOCK:
                COUNTS.clear()
            data = b"{}"
        else:
            return False
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return True

    def _forward(self):
        if self._local():
            return
        length = int(self.headers.get("Content-Length") or 0)
        req = self.rfile.read(length) if length else b""
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = f"{UPSTREAM.hostname}:{UPSTREAM.port}"
        conn.request(self.command, self.path, body=req, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith("DynamoDB_20120810."):
            op = target.split(".", 1)[1]
            try:
                n = items_read(op, json.loads(data or b"{}"))
            except ValueError:
                n = 0
            with LOCK:
                c = COUNTS.setdefault(op, {"requests": 0, "items": 0, "bytesRead": 0, "bytesWritten": 0})
                c["requests"] += 1
                c["items"] += n
                c["bytesRead"] += len(data)
                c["bytesWritten"] += len(req)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
