"""A real SMTP server on 127.0.0.1 for Sendready's tests and local stack (aiosmtpd).

It listens on several ports at once, each one a case a customer's server can present:

  starttls  plaintext greeting, STARTTLS offered, AUTH PLAIN/LOGIN/XOAUTH2 after TLS
  tls       implicit TLS (SMTPS, as on port 465), AUTH PLAIN/LOGIN/XOAUTH2
  plain     no TLS at all; AUTH PLAIN/LOGIN required before MAIL FROM (530 otherwise)
  silent    accepts the TCP connection and never greets (a read timeout)

Ports are chosen by the OS unless given (--ports starttls=2525,tls=2465). On start it
prints one JSON line to stdout: {"ports": {...}, "ca": "<PEM path>", "maildir": "<dir>"},
then serves until killed. Without --cert it makes a self-signed certificate for
localhost and 127.0.0.1, signed by a throwaway CA, with the openssl command line (valid
for two days); "ca" is that CA.

Every accepted message is written to the maildir as <n>.eml with <n>.json beside it
(envelope sender, recipients, the authenticated user), so a test can read it back and a
person can open it.
"""

import argparse
import asyncio
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_cert(state_dir, names=()):
    """A throwaway CA and a localhost certificate it signs (webpki refuses a self-signed
    CA certificate used as the server's own), also naming `names` (the local stack's
    smtp.<demo domain>). Returns (chain, key, ca)."""
    ca_key, ca = os.path.join(state_dir, "ca.key"), os.path.join(state_dir, "ca.pem")
    key, csr = os.path.join(state_dir, "localhost.key"), os.path.join(state_dir, "localhost.csr")
    cert, ext = os.path.join(state_dir, "localhost.pem"), os.path.join(state_dir, "localhost.ext")
    if not os.path.exists(cert):
        run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=Sendready test CA", "-keyout", ca_key, "-out", ca)
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", key, "-out", csr)
        with open(ext, "w") as f:
            san = ",".join(["DNS:localhost", *[f"DNS:{n}" for n in names], "IP:127.0.0.1"])
            f.write(f"basicConstraints=CA:FALSE\nsubjectAltName={san}\n"
                    "extendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", cert)
    return cert, key, ca


class Handler:
    def __init__(self, users, tokens, maildir):
        self.users = users
        self.tokens = tokens
        self.maildir = maildir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        # Recipients that make the server behave as a broken one does after the message
        # has been written (for the send route's at-most-once tests):
        # - stall-after-data@...: keeps the message, then gives no reply for 30 s (the
        #   client times out not knowing the message was accepted);
        # - refuse-after-data@...: refuses it with a reply code (nothing was accepted).
        if any(r.lower().startswith("refuse-after-data@") for r in envelope.rcpt_tos):
            return "554 5.6.0 Message refused after DATA (test server)"
        stall = any(r.lower().startswith("stall-after-data@") for r in envelope.rcpt_tos)
        self.count += 1
        name = os.path.join(self.maildir, f"{os.getpid()}-{self.count}")
        with open(name + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        auth = session.auth_data
        with open(name + ".json", "w") as f:
            json.dump({
                "mailFrom": envelope.mail_from,
                "rcptTos": envelope.rcpt_tos,
                "user": auth.login.decode() if isinstance(auth, LoginPassword) else None,
                "tls": session.ssl is not None,
            }, f)
        if stall:
            await asyncio.sleep(30)
        return f"250 2.0.0 Ok: queued as {os.getpid()}-{self.count}"

    async def auth_XOAUTH2(self, server, args):
        """RFC-less but widely deployed (Gmail, Microsoft 365): base64 of
        "user=<u>\\x01auth=Bearer <token>\\x01\\x01"."""
        # args is the AUTH line split: ["XOAUTH2"] or ["XOAUTH2", <initial response>].
        if len(args) >= 2:
            blob = args[1]
        else:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=False)
            blob = blob.decode()
        try:
            fields = dict(
                part.split("=", 1)
                for part in base64.b64decode(blob).decode().split("\x01")
                if "=" in part
            )
        except Exception:
            return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot decode XOAUTH2 response")
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if self.tokens.get(user) == token:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Authentication credentials invalid (OAuth 2.0 token refused)")


def authenticator(users):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if users.get(user) == auth_data.password.decode():
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Authentication credentials invalid")
    return check


class Silent(asyncio.Protocol):
    """Takes the connection and says nothing, like a TLS-only port to a plaintext client."""

    def connection_made(self, transport):
        self.transport = transport


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ports", default="starttls=0,tls=0,plain=0,silent=0")
    p.add_argument("--user", action="append", default=[], help="login:password (repeatable)")
    p.add_argument("--token", action="append", default=[], help="login:oauth2-token (repeatable)")
    p.add_argument("--state-dir", default=None, help="certificate and maildir (default: a temp dir)")
    p.add_argument("--cert"), p.add_argument("--key")
    p.add_argument("--name", action="append", default=[],
                   help="another host name for the made certificate (repeatable)")
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("this test server listens on loopback only")

    state = a.state_dir or tempfile.mkdtemp(prefix="sendready-smtp-")
    os.makedirs(state, exist_ok=True)
    maildir = os.path.join(state, "mail")
    os.makedirs(maildir, exist_ok=True)
    cert, key, ca = (a.cert, a.key, a.cert) if a.cert else make_cert(state, a.name)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    users = dict(u.split(":", 1) for u in a.user)
    tokens = dict(t.split(":", 1) for t in a.token)
    handler = Handler(users, tokens, maildir)
    auth = authenticator(users)
    loop = asyncio.get_running_loop()

    factories = {
        "starttls": (lambda: SMTP(handler, hostname="localhost", tls_context=tls,
                                  authenticator=auth, auth_require_tls=True), None),
        "tls": (lambda: SMTP(handler, hostname="localhost", authenticator=auth,
                             auth_require_tls=False), tls),
        "plain": (lambda: SMTP(handler, hostname="localhost", authenticator=auth,
                               auth_require_tls=False, auth_required=True), None),
        "silent": (Silent, None),
    }
    ports = {}
    servers = []
    for spec in a.ports.split(","):
        name, _, port = spec.partition("=")
        factory, ssl_ctx = factories[name]
        server = await loop.create_server(factory, a.host, int(port or 0), ssl=ssl_ctx)
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]

    print(json.dumps({"ports": ports, "ca": os.path.abspath(ca), "maildir": os.path.abspath(maildir)}), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
