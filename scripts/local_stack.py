"""The whole of Sendready on 127.0.0.1, with no AWS account: `scripts/dev` runs it.

Starts, in order, and stops all of them on Ctrl-C (SIGINT) or SIGTERM:

  moto       Route 53 and DynamoDB, with the local SES in front of it
             (tests/moto_server.py, tests/ses_emulation.py): identities stay Pending until
             their DKIM records resolve through the dnsmasq below, email identities until
             their verification link (printed here) is opened
  dnsmasq    the DNS the backend checks against: the records of moto's Route 53 zones
             (rewritten and reloaded when they change, as publishing does in AWS), plus
             the demo SMTP server's name; every other name is NXDOMAIN
  smtp       a real SMTP server (tests/smtp_server.py): STARTTLS, implicit TLS, a plain
             port that requires AUTH; every accepted message is printed and kept
  backend    sendready-local (the API) with locally signed JWTs
  web        the Vite dev server of web/, proxying /v1 to the backend

Then it seeds the demo tenant (active users, a Route 53 hosted zone) and prints the URL
with a ready-to-use login. With --state-file it also writes what it started as JSON (the
browser tests read it). `--ports auto` picks free ports (tests); the defaults are fixed
so a bookmark keeps working.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENANT = "acme"
DOMAIN = "acme.example.com"
SMTP_NAME = f"smtp.{DOMAIN}"
USERS = [f"ops@{DOMAIN}", f"billing@{DOMAIN}"]
SMTP_LOGIN = f"ops@{DOMAIN}"
DEFAULT_PORTS = {"web": 5173, "backend": 8787, "moto": 8790, "dns": 8553,
                 "starttls": 2587, "tls": 2465, "plain": 2525}


def log(msg):
    print(f"local-stack: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def port_taken(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Stack:
    def __init__(self, args):
        self.args = args
        self.procs = []  # (name, Popen), started in order, stopped in reverse; under procs_lock
        self.state = tempfile.mkdtemp(prefix="sendready-local-")
        self.stop = threading.Event()
        self.procs_lock = threading.Lock()
        self.dns_proc = None
        if args.ports == "auto":
            self.ports = {k: free_port() for k in DEFAULT_PORTS}
        else:
            self.ports = dict(DEFAULT_PORTS)
            taken = [f"{k} {p}" for k, p in self.ports.items() if port_taken(p)]
            if taken:
                raise RuntimeError(
                    f"ports already in use on 127.0.0.1: {', '.join(taken)}; stop what holds them "
                    "(another scripts/dev?) or run with --ports auto")
        self.password = "demo-" + secrets.token_urlsafe(9)
        self.oauth_token = "ya29.demo-" + secrets.token_urlsafe(12)
        self.jwt_secret = secrets.token_urlsafe(32)
        self.env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        self.env.pop("AWS_PROFILE", None)

    # -- processes ---------------------------------------------------------------------

    def spawn(self, name, argv, env=None, cwd=None, pipe=False):
        """Starts a child in its own process group; its output goes to <logs>/<name>.log
        (stdout to a pipe instead with pipe=True)."""
        log(f"starting {name}")
        logfile = open(os.path.join(self.state, f"{name}.log"), "ab")
        p = subprocess.Popen(argv, env=env or self.env, cwd=cwd or ROOT,
                             stdout=subprocess.PIPE if pipe else logfile, stderr=logfile,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        with self.procs_lock:
            self.procs.append((name, p))
        return p

    def shutdown(self):
        self.stop.set()
        with self.procs_lock:
            procs = list(self.procs)
        for name, p in reversed(procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for name, p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop on SIGTERM; killing it")
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        log("stopped everything it started")

    # -- components --------------------------------------------------------------------

    def start_moto(self):
        port = self.ports["moto"]
        env = dict(self.env,
                   SENDREADY_SES_DNS=f"127.0.0.1:{self.ports['dns']}",
                   SENDREADY_SES_VERIFICATION_WINDOW=str(self.args.ses_verification_window),
                   SENDREADY_SES_SANDBOX="0" if self.args.ses_production else "1",
                   SENDREADY_SES_PUBLIC_URL=f"http://127.0.0.1:{port}")
        p = self.spawn("moto", [self.args.python, os.path.join(ROOT, "tests/moto_server.py"),
                                "-H", "127.0.0.1", "-p", str(port)], env=env)
        wait_port(port, "moto", p)
        self.moto = f"http://127.0.0.1:{port}"
        import boto3  # from .venv (moto brings it)
        self.route53 = boto3.client("route53", endpoint_url=self.moto, region_name="us-east-1",
                                    aws_access_key_id="testing", aws_secret_access_key="testing")
        zone = self.route53.create_hosted_zone(Name=DOMAIN, CallerReference=f"sendready-{time.time()}")
        self.zone_id = zone["HostedZone"]["Id"].split("/")[-1]
        log(f"Route 53 hosted zone {DOMAIN} is {self.zone_id}")
        # The key that seals the tenants' SMTP secrets (the template makes it in AWS).
        kms = boto3.client("kms", endpoint_url=self.moto, region_name=self.env.get("AWS_REGION", "us-east-1"),
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        self.settings_key = kms.create_key(Description="sendready settings (local)")["KeyMetadata"]["KeyId"]
        log(f"KMS key {self.settings_key} seals the tenants' SMTP secrets")

    def zone_records(self):
        """[(kind, name, values)] of every moto zone, for dnsmasq."""
        out = [("a", SMTP_NAME, ["127.0.0.1"])]
        for z in self.route53.list_hosted_zones()["HostedZones"]:
            sets = self.route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
            for rs in sets:
                name = rs["Name"].rstrip(".")
                values = [r["Value"] for r in rs.get("ResourceRecords", [])]
                if rs["Type"] == "TXT":
                    for v in values:
                        out.append(("txt", name, split_txt(v)))
                elif rs["Type"] == "CNAME":
                    out.append(("cname", name, [values[0].rstrip(".")]))
                elif rs["Type"] == "MX":
                    for v in values:
                        pref, _, host = v.partition(" ")
                        out.append(("mx", name, [host.rstrip("."), pref]))
                elif rs["Type"] == "A":
                    for v in values:
                        out.append(("a", name, [v]))
        return out

    def write_dnsmasq_conf(self, records):
        user = os.environ.get("USER") or "root"
        lines = [f"port={self.ports['dns']}", "listen-address=127.0.0.1", "bind-interfaces",
                 "no-resolv", "no-hosts", "no-poll", "local=/#/", f"user={user}", "pid-file=",
                 "log-queries", f"log-facility={os.path.join(self.state, 'dnsmasq-queries.log')}"]
        for kind, name, values in records:
            if kind == "txt":
                quoted = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
                lines.append(f"txt-record={name},{quoted}")
            elif kind == "cname":
                lines.append(f"cname={name},{values[0]}")
            elif kind == "mx":
                lines.append(f"mx-host={name},{values[0]},{values[1]}")
            elif kind == "a":
                lines.append(f"host-record={name},{values[0]}")
        path = os.path.join(self.state, "dnsmasq.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_dnsmasq(self, records):
        binary = next((b for b in ("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq") if os.path.exists(b)), None)
        if binary is None:
            raise RuntimeError("dnsmasq is missing: scripts/setup installs Debian's dnsmasq-base")
        conf = self.write_dnsmasq_conf(records)
        with self.procs_lock:
            old = self.dns_proc
            if old is not None:
                os.killpg(old.pid, signal.SIGTERM)
                old.wait()
                self.procs = [(n, p) for n, p in self.procs if p is not old]
            self.dns_proc = None
        p = self.spawn("dnsmasq", [binary, "--keep-in-foreground", f"--conf-file={conf}"])
        self.dns_proc = p
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"dnsmasq exited ({p.returncode}); see {self.state}/dnsmasq.log")
            if udp_answers(self.ports["dns"]):
                return
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not answer within 10 s")

    def watch_zones(self):
        """Reloads dnsmasq when moto's zones change (what publishing to Route 53 does)."""
        current = self.zone_records()
        while not self.stop.wait(0.5):
            try:
                records = self.zone_records()
            except Exception as e:  # moto going away at shutdown
                if not self.stop.is_set():
                    log(f"reading Route 53 from moto failed: {e}")
                continue
            if records != current and not self.stop.is_set():
                current = records
                log(f"Route 53 changed: dnsmasq now serves {len(records)} records")
                try:
                    self.start_dnsmasq(records)
                except RuntimeError as e:
                    log(str(e))

    def start_smtp(self):
        ports = ",".join(f"{k}={self.ports[k]}" for k in ("starttls", "tls", "plain")) + ",silent=0"
        p = self.spawn("smtp", [self.args.python, os.path.join(ROOT, "tests/smtp_server.py"),
                                "--state-dir", os.path.join(self.state, "smtp"), "--ports", ports,
                                "--name", SMTP_NAME,
                                "--user", f"{SMTP_LOGIN}:{self.password}",
                                "--token", f"{SMTP_LOGIN}:{self.oauth_token}"],
                       pipe=True)
        line = p.stdout.readline().decode()
        try:
            info = json.loads(line)
        except ValueError:
            raise RuntimeError(f"the SMTP server did not start: {line!r}; see {self.state}/smtp.log")
        self.smtp_ca = info["ca"]
        self.maildir = info["maildir"]

    def watch_mail(self):
        seen = set()
        while not self.stop.wait(0.5):
            try:
                names = sorted(n for n in os.listdir(self.maildir) if n.endswith(".json"))
            except OSError:
                continue
            for n in names:
                if n in seen:
                    continue
                seen.add(n)
                try:
                    meta = json.load(open(os.path.join(self.maildir, n)))
                    subject = next((l[9:].strip() for l in open(os.path.join(self.maildir, n[:-5] + ".eml"),
                                                               errors="replace") if l.lower().startswith("subject:")), "")
                except (OSError, ValueError):
                    continue
                log(f"mail received: from {meta['mailFrom']} to {', '.join(meta['rcptTos'])}: "
                    f"{subject!r} ({os.path.join(self.maildir, n[:-5] + '.eml')})")

    def track_pace(self):
        """The tracker's schedule as the banner says it."""
        if self.track_scale <= 1:
            return ("on SES's own schedule: first 5 minutes after a create; "
                    "--track-time-scale N or --ses-verification-window compress it")
        return f"SES's times compressed {self.track_scale}x: the first look {300 / self.track_scale:g} s after a create"

    def start_backend(self):
        # Tracking's times, compressed as much as the local SES compresses SES's 72 hours
        # (or as asked).
        self.track_scale = self.args.track_time_scale or max(
            1, int(72 * 3600 / max(1.0, self.args.ses_verification_window)))
        env = {**self.env,
               "AWS_ENDPOINT_URL": self.moto,
               "SENDREADY_JWT_SECRET": self.jwt_secret,
               "SENDREADY_LISTEN": f"127.0.0.1:{self.ports['backend']}",
               "SENDREADY_TABLE": "sendready-tenants",
               "SENDREADY_HOSTED_ZONE_IDS": self.zone_id,
               "SENDREADY_SETTINGS_KEY_ID": self.settings_key,
               "SENDREADY_DNS_SERVER": f"127.0.0.1:{self.ports['dns']}",
               "SENDREADY_ALLOW_PRIVATE_SMTP": "1",
               "SENDREADY_SMTP_EXTRA_CA": self.smtp_ca,
               "SENDREADY_SMTP_STEP_TIMEOUT_MS": "5000",
               # The EventBridge rule -> sendready-events of AWS: the backend reads what
               # the local SES published and consumes it (sendready-local).
               "SENDREADY_LOCAL_SES_EVENTS": self.moto,
               # The deployment's queues in moto's SQS: SES events through the events
               # queue, Prefer: respond-async sends through the send queue (a fair queue,
               # message group = tenant), each fed to its consumer as Lambda's event
               # source mappings do; GET /v1/platform shows their depths.
               "SENDREADY_LOCAL_QUEUES": "1",
               # The schedule -> sendready-track of AWS: the tracker runs every second,
               # its times compressed as much as the local SES compresses the 72 hours,
               # and announces on moto's default EventBridge bus.
               "SENDREADY_LOCAL_TRACK_SECONDS": "1",
               "SENDREADY_TRACK_TIME_SCALE": str(self.track_scale),
               "SENDREADY_ANNOUNCE_BUS": "default",
               # Room for a developer trying things by hand (production defaults: 10, 20);
               # a caller may set them (the API fuzz sets them out of its way).
               "SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE": os.environ.get("SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE", "60"),
               "SENDREADY_LIMIT_TEST_MAIL_PER_HOUR": os.environ.get("SENDREADY_LIMIT_TEST_MAIL_PER_HOUR", "100"),
               # The demo SMTP server's ports (picked freely with --ports auto).
               "SENDREADY_SMTP_EXTRA_PORTS": ",".join(
                   str(self.ports[k]) for k in ("starttls", "tls", "plain")),
               "RUST_LOG": os.environ.get("RUST_LOG", "info")}
        self.backend_env = env
        p = self.spawn("backend", [self.args.backend], env=env)
        wait_port(self.ports["backend"], "sendready-local", p)
        self.backend = f"http://127.0.0.1:{self.ports['backend']}"
        mint = lambda *a: subprocess.run([self.args.backend, "--mint-token", *a], env=env, check=True,
                                         capture_output=True, text=True).stdout.strip()
        self.token = mint(TENANT)
        admin = mint("platform", "--admin")
        self.admin_token = admin
        for path, body in ((f"/v1/tenants/{TENANT}/users", {"activeUserEmails": USERS}),
                           (f"/v1/tenants/{TENANT}/zones", {"hostedZoneIds": [self.zone_id]})):
            req = urllib.request.Request(f"{self.backend}{path}", method="PUT",
                                         data=json.dumps(body).encode(),
                                         headers={"authorization": f"Bearer {admin}",
                                                  "content-type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 204, r.status
        log(f"tenant {TENANT} has active users {', '.join(USERS)} and the hosted zone {DOMAIN}")

    def start_web(self):
        env = {**self.env, "SENDREADY_API": self.backend, "BROWSER": "none"}
        vite = os.path.join(ROOT, "web/node_modules/.bin/vite")
        p = self.spawn("web", [vite, "--host", "127.0.0.1", "--port", str(self.ports["web"]), "--strictPort"],
                       env=env, cwd=os.path.join(ROOT, "web"))
        wait_port(self.ports["web"], "the web app (vite)", p)
        self.web = f"http://127.0.0.1:{self.ports['web']}"

    def watch_ses(self):
        """Prints what the local SES reports (verification links it "mails", records found,
        verification that failed), as SES's mail and console would show them."""
        path = os.path.join(self.state, "moto.log")
        with open(path, "rb") as f:
            while not self.stop.is_set():
                line = f.readline()
                if not line:
                    self.stop.wait(0.5)
                    continue
                text = line.decode("utf-8", "replace").rstrip()
                if text.startswith("local SES: "):
                    print(text, flush=True)

    def run(self):
        self.start_moto()
        threading.Thread(target=self.watch_ses, daemon=True).start()
        self.start_dnsmasq(self.zone_records())
        threading.Thread(target=self.watch_zones, daemon=True).start()
        self.start_smtp()
        threading.Thread(target=self.watch_mail, daemon=True).start()
        self.start_backend()
        self.web = None
        if not self.args.no_web:
            self.start_web()
        info = {
            "web": self.web, "backend": self.backend, "moto": self.moto, "token": self.token,
            "adminToken": self.admin_token,
            "tenant": TENANT, "domain": DOMAIN, "hostedZoneId": self.zone_id,
            "sesControl": f"{self.moto}/_sendready/ses",
            "dns": f"127.0.0.1:{self.ports['dns']}",
            "smtp": {"host": SMTP_NAME, "starttls": self.ports["starttls"], "tls": self.ports["tls"],
                     "plain": self.ports["plain"], "username": SMTP_LOGIN, "password": self.password,
                     "oauth2Token": self.oauth_token, "maildir": self.maildir},
            "logs": self.state,
        }
        if self.args.state_file:
            with open(self.args.state_file + ".tmp", "w") as f:
                json.dump(info, f, indent=2)
            os.replace(self.args.state_file + ".tmp", self.args.state_file)
        print(f"""
Sendready is running on 127.0.0.1 (no AWS account; nothing leaves this machine).

  Open:      {(self.web or '(no web app: --no-web)')}/#token={self.token}
  Tenant:    {TENANT} (active users {', '.join(USERS)}), Route 53 zone {DOMAIN} ({self.zone_id})
  Login:     the link signs you in; the token alone (12 h) is
             {self.token}
  SMTP:      {SMTP_NAME}, port {self.ports['starttls']} (STARTTLS) or {self.ports['tls']} (SSL/TLS),
             username {SMTP_LOGIN}, password {self.password}
             (OAuth 2.0 token {self.oauth_token})
  API:       {self.backend} (infra/openapi.yaml), moto {self.moto}, DNS 127.0.0.1:{self.ports['dns']}
  SES:       {'production access' if self.args.ses_production else 'in the sandbox'}; a domain turns Failed after {self.args.ses_verification_window:g} s without
             its records; verification links and SES's checks are printed here; switches:
             {self.moto}/_sendready/ses/ (tests/ses_emulation.py)
  Tracking:  each identity is looked at again by itself (sendready-track, every second,
             {self.track_pace()}); "Verify" makes a changed
             identity due at once; changes are announced on moto's default EventBridge bus
             and shown under "Verification history"
  Logs:      {self.state}

Mail the SMTP server accepts is listed here as it arrives. Ctrl-C stops everything.
""", flush=True)
        while not self.stop.is_set():
            for name, p in list(self.procs):
                if name != "dnsmasq" and p.poll() is not None and not self.stop.is_set():
                    raise RuntimeError(f"{name} exited with status {p.returncode}; see {self.state}/{name}.log")
            self.stop.wait(1)


def split_txt(value):
    """Route 53's TXT value ("part one" "part two") as its character-strings."""
    out, cur, quoted, i = [], "", False, 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            cur += value[i + 1]
            i += 2
            continue
        if c == '"':
            if quoted:
                out.append(cur)
                cur = ""
            quoted = not quoted
        elif quoted:
            cur += c
        i += 1
    return out or [value]


def udp_answers(port):
    """True once something answers a DNS query on 127.0.0.1:port."""
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x00\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(query, ("127.0.0.1", port))
            return s.recv(512)[:2] == b"\x12\x34"
        except OSError:
            return False


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", required=True, help="the sendready-local binary")
    p.add_argument("--python", default=sys.executable, help="the Python with moto and aiosmtpd")
    p.add_argument("--ports", choices=["fixed", "auto"], default="fixed")
    p.add_argument("--state-file", help="write what was started (URLs, token, SMTP login) as JSON")
    p.add_argument("--no-web", action="store_true", help="start everything but the web app (API tests)")
    p.add_argument("--ses-verification-window", type=float, default=72 * 3600, metavar="SECONDS",
                   help="how long the local SES looks for a domain's records before Failed (SES: 72 h)")
    p.add_argument("--track-time-scale", type=int, default=0, metavar="N",
                   help="divide verification tracking's times by N (default: as much as the "
                        "local SES's window compresses SES's 72 hours)")
    p.add_argument("--ses-production", action="store_true",
                   help="start the local SES with production access (default: the sandbox, as a new account)")
    args = p.parse_args()
    try:
        stack = Stack(args)
    except RuntimeError as e:
        log(str(e))
        return 2
    stopping = lambda *_: stack.stop.set()
    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)
    status = 0
    try:
        stack.run()
    except Exception as e:  # every failure to start is reported, then everything is stopped
        if not stack.stop.is_set():
            log(f"failed: {e}")
            status = 1
    finally:
        stack.shutdown()
    return status


if __name__ == "__main__":
    sys.exit(main())
