"""The local SES (tests/ses_emulation.py) against SES's documented behaviour, through
boto3's sesv2 client (botocore's model: the same shapes the Rust SDK sends), with moto's
server and a real dnsmasq on 127.0.0.1. Run: .venv/bin/python -m unittest tests/test_ses_emulation.py
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proto=socket.SOCK_STREAM):
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Dnsmasq:
    """dnsmasq serving exactly `records` ((kind, name, values)); NXDOMAIN for the rest."""

    def __init__(self, records):
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        self.dir = tempfile.mkdtemp()
        self.port = free_port()
        lines = [f"port={self.port}", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts",
                 "no-poll", "local=/#/", f"user={os.environ.get('USER', 'root')}", "pid-file="]
        for kind, name, values in records:
            if kind == "txt":
                lines.append(f"txt-record={name}," + ",".join(f'"{v}"' for v in values))
            elif kind == "cname":
                lines.append(f"cname={name},{values[0]}")
            elif kind == "mx":
                lines.append(f"mx-host={name},{values[0]},{values[1]}")
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen([binary, "--keep-in-foreground", f"--conf-file={conf}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.port)
        self.addr = f"127.0.0.1:{self.port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class MotoServer(unittest.TestCase):
    """A test class with its own tests/moto_server.py on a free port: `url`, and `client`
    for botocore clients of it."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "moto_server.py"), "-H", "127.0.0.1", "-p", str(cls.port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(cls.port)
        cls.url = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def client(cls, service, **extra):
        return boto3.client(service, endpoint_url=cls.url, region_name="eu-west-1", aws_access_key_id="testing",
                            aws_secret_access_key="testing", **extra)

    @classmethod
    def tearDownClass(cls):
        cls.proc.kill()
        cls.proc.wait()


class LocalSes(MotoServer):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ses = cls.client("sesv2")
        cls.sns = cls.client("sns")
        cls.events = cls.client("events")

    def control(self, action, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/_sendready/ses/{action}", data=data, method="POST" if data else "GET",
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req) as r:
            text = r.read().decode()
        try:
            return json.loads(text)
        except ValueError:
            return text

    def use_dns(self, dns):
        """Points the local SES at `dns` for this test only."""
        self.addCleanup(dns.stop)
        self.control("config", {"dns": dns.addr})
        self.addCleanup(self.control, "config", {"dns": None})

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as e:
            call(**kw)
        return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

    def verified_domain(self, domain):
        """A domain identity whose Easy DKIM CNAMEs resolve (the DNS stays up for the test)."""
        out = self.ses.create_email_identity(EmailIdentity=domain)
        tokens = out["DkimAttributes"]["Tokens"]
        dns = Dnsmasq([("cname", f"{t}._domainkey.{domain}", [f"{t}.dkim.amazonses.com"]) for t in tokens])
        self.use_dns(dns)
        self.assertEqual(self.ses.get_email_identity(EmailIdentity=domain)["VerificationStatus"], "SUCCESS")
        return dns

    def test_unknown_identities_are_not_found_and_duplicates_already_exist(self):
        code, _ = self.error(self.ses.get_email_identity, EmailIdentity="nobody.example.net")
        self.assertEqual(code, "NotFoundException")
        self.ses.create_email_identity(EmailIdentity="dup.example.net")
        code, _ = self.error(self.ses.create_email_identity, EmailIdentity="dup.example.net")
        self.assertEqual(code, "AlreadyExistsException")
        self.ses.delete_email_identity(EmailIdentity="dup.example.net")
        code, _ = self.error(self.ses.delete_email_identity, EmailIdentity="dup.example.net")
        self.assertEqual(code, "NotFoundException")

    def test_the_identity_limit_is_a_limit_exceeded(self):
        have = len(self.ses.list_email_identities()["EmailIdentities"])
        self.control("config", {"identityLimit": have + 1})
        self.addCleanup(self.control, "config", {"identityLimit": 10000})
        self.ses.create_email_identity(EmailIdentity="one-more.example.net")
        code, _ = self.error(self.ses.create_email_identity, EmailIdentity="one-too-many.example.net")
        self.assertEqual(code, "LimitExceededException")

    def test_byodkim_verifies_when_its_txt_record_resolves(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = base64.b64encode(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                                     serialization.NoEncryption())).decode()
        public = base64.b64encode(key.public_key().public_bytes(serialization.Encoding.DER,
                                                                serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
        out = self.ses.create_email_identity(EmailIdentity="byo.example.net", DkimSigningAttributes={
            "DomainSigningSelector": "s1", "DomainSigningPrivateKey": private})
        self.assertEqual(out["DkimAttributes"]["SigningAttributesOrigin"], "EXTERNAL")
        self.assertEqual(out["DkimAttributes"]["Status"], "PENDING")
        text = f"v=DKIM1; k=rsa; p={public}"
        dns = Dnsmasq([("txt", "s1._domainkey.byo.example.net", [text[i:i + 255] for i in range(0, len(text), 255)])])
        self.use_dns(dns)
        got = self.ses.get_email_identity(EmailIdentity="byo.example.net")
        self.assertEqual(got["VerificationStatus"], "SUCCESS")
        self.assertTrue(got["VerifiedForSendingStatus"])

    def test_a_wrong_record_type_fails_as_type_not_found(self):
        out = self.ses.create_email_identity(EmailIdentity="typed.example.net")
        t = out["DkimAttributes"]["Tokens"]
        dns = Dnsmasq([("txt", f"{x}._domainkey.typed.example.net", ["not a cname"]) for x in t])
        self.use_dns(dns)
        self.control("config", {"verificationWindowSeconds": 0})
        self.addCleanup(self.control, "config", {"verificationWindowSeconds": 259200})
        got = self.ses.get_email_identity(EmailIdentity="typed.example.net")
        self.assertEqual(got["VerificationStatus"], "FAILED")
        self.assertEqual(got["VerificationInfo"]["ErrorType"], "TYPE_NOT_FOUND")

    def test_mail_from_follows_its_mx_and_must_be_a_subdomain(self):
        self.ses.create_email_identity(EmailIdentity="mf.example.net")
        code, _ = self.error(self.ses.put_email_identity_mail_from_attributes, EmailIdentity="mf.example.net",
                             MailFromDomain="bounce.other.example.org")
        self.assertEqual(code, "BadRequestException")
        self.ses.put_email_identity_mail_from_attributes(EmailIdentity="mf.example.net", MailFromDomain="bounce.mf.example.net",
                                                         BehaviorOnMxFailure="REJECT_MESSAGE")
        attrs = self.ses.get_email_identity(EmailIdentity="mf.example.net")["MailFromAttributes"]
        self.assertEqual(attrs, {"MailFromDomain": "bounce.mf.example.net", "MailFromDomainStatus": "PENDING",
                                 "BehaviorOnMxFailure": "REJECT_MESSAGE"})
        dns = Dnsmasq([("mx", "bounce.mf.example.net", ["feedback-smtp.eu-west-1.amazonses.com", "10"])])
        self.use_dns(dns)
        attrs = self.ses.get_email_identity(EmailIdentity="mf.example.net")["MailFromAttributes"]
        self.assertEqual(attrs["MailFromDomainStatus"], "SUCCESS")

    def test_the_sandbox_refuses_unverified_recipients_until_production_access(self):
        self.verified_domain("send.example.net")
        self.assertFalse(self.ses.get_account()["ProductionAccessEnabled"])
        code, message = self.error(self.ses.send_email, FromEmailAddress="a@send.example.net",
                                   Destination={"ToAddresses": ["someone@example.org"]},
                                   Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        self.assertEqual(code, "MessageRejected")
        self.assertIn("someone@example.org", message)
        self.ses.send_email(FromEmailAddress="a@send.example.net", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        self.control("account", {"productionAccessEnabled": True})
        self.addCleanup(self.control, "account", {"productionAccessEnabled": False})
        self.assertTrue(self.ses.get_account()["ProductionAccessEnabled"])
        self.ses.send_email(FromEmailAddress="a@send.example.net", Destination={"ToAddresses": ["someone@example.org"]},
                            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        code, message = self.error(self.ses.send_email, FromEmailAddress="a@unknown.example.org",
                                   Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                                   Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        self.assertEqual(code, "MessageRejected")
        self.assertIn("Email address is not verified", message)

    def test_tenants_hold_resources_reputation_and_suppression(self):
        domain = "tenant.example.net"
        self.verified_domain(domain)
        t = self.ses.create_tenant(TenantName="acme", Tags=[{"Key": "platform-tenant", "Value": "acme"}])
        self.assertEqual(t["SendingStatus"], "ENABLED")
        code, _ = self.error(self.ses.create_tenant, TenantName="acme")
        self.assertEqual(code, "AlreadyExistsException")
        self.assertEqual(self.ses.get_tenant(TenantName="acme")["Tenant"]["TenantArn"], t["TenantArn"])
        self.assertIn("acme", [x["TenantName"] for x in self.ses.list_tenants()["Tenants"]])
        arn = f"arn:aws:ses:eu-west-1:123456789012:identity/{domain}"
        self.ses.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
        code, _ = self.error(self.ses.create_tenant_resource_association, TenantName="acme", ResourceArn=arn)
        self.assertEqual(code, "AlreadyExistsException")
        self.assertEqual(self.ses.list_tenant_resources(TenantName="acme")["TenantResources"],
                         [{"ResourceType": "EMAIL_IDENTITY", "ResourceArn": arn}])
        self.assertEqual([x["TenantName"] for x in self.ses.list_resource_tenants(ResourceArn=arn)["ResourceTenants"]], ["acme"])
        policy = "arn:aws:ses:eu-west-1:aws:reputation-policy/strict"
        self.ses.update_reputation_entity_policy(ReputationEntityType="RESOURCE", ReputationEntityReference=t["TenantArn"],
                                                 ReputationEntityPolicy=policy)
        entity = self.ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=t["TenantArn"])
        self.assertEqual(entity["ReputationEntity"]["ReputationManagementPolicy"], policy)
        code, _ = self.error(self.ses.update_reputation_entity_policy, ReputationEntityType="RESOURCE",
                             ReputationEntityReference=t["TenantArn"], ReputationEntityPolicy="lenient")
        self.assertEqual(code, "BadRequestException")
        self.ses.put_tenant_suppression_attributes(TenantName="acme", SuppressedReasons=["BOUNCE"], SuppressionScope="TENANT")
        self.assertEqual(self.ses.get_tenant(TenantName="acme")["Tenant"]["SuppressionAttributes"]["SuppressedReasons"], ["BOUNCE"])
        # A send for the tenant must use the tenant's own identity.
        self.ses.create_tenant(TenantName="other")
        code, _ = self.error(self.ses.send_email, FromEmailAddress=f"a@{domain}", TenantName="other",
                             Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                             Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        self.assertEqual(code, "BadRequestException")
        self.ses.send_email(FromEmailAddress=f"a@{domain}", TenantName="acme", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
        self.ses.delete_tenant_resource_association(TenantName="acme", ResourceArn=arn)
        self.assertEqual(self.ses.list_tenant_resources(TenantName="acme")["TenantResources"], [])

    def test_events_reach_sns_and_eventbridge_in_ses_event_json(self):
        domain = "events.example.net"
        self.verified_domain(domain)
        topic = self.sns.create_topic(Name="ses-events")["TopicArn"]
        self.ses.create_configuration_set(ConfigurationSetName="acme-events")
        code, _ = self.error(self.ses.create_configuration_set, ConfigurationSetName="acme-events")
        self.assertEqual(code, "AlreadyExistsException")
        kinds = ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "REJECT", "DELIVERY_DELAY", "RENDERING_FAILURE"]
        self.ses.create_configuration_set_event_destination(ConfigurationSetName="acme-events", EventDestinationName="sns",
                                                            EventDestination={"Enabled": True, "MatchingEventTypes": kinds,
                                                                              "SnsDestination": {"TopicArn": topic}})
        bus = "arn:aws:events:eu-west-1:123456789012:event-bus/default"
        self.ses.create_configuration_set_event_destination(ConfigurationSetName="acme-events", EventDestinationName="bus",
                                                            EventDestination={"Enabled": True, "MatchingEventTypes": kinds,
                                                                              "EventBridgeDestination": {"EventBusArn": bus}})
        dests = self.ses.get_configuration_set_event_destinations(ConfigurationSetName="acme-events")["EventDestinations"]
        self.assertEqual(sorted(d["Name"] for d in dests), ["bus", "sns"])
        before = len(self.control("events")["events"])
        for who in ("success", "bounce", "complaint", "ooto", "suppressionlist"):
            self.ses.send_email(FromEmailAddress=f"a@{domain}", ConfigurationSetName="acme-events",
                                Destination={"ToAddresses": [f"{who}@simulator.amazonses.com"]},
                                Content={"Simple": {"Subject": {"Data": who}, "Body": {"Text": {"Data": "t"}}}})
        events = self.control("events")["events"][before:]
        sns = [e for e in events if e["kind"] == "sns"]
        bridge = [e for e in events if e["kind"] == "eventbridge"]
        self.assertEqual(len(sns), len(bridge))
        types = sorted(json.loads(e["event"])["eventType"] for e in sns)
        # success: Send+Delivery; bounce: Send+Bounce; complaint: Send+Delivery+Complaint;
        # ooto: Send+Delivery; suppressionlist: Send+Bounce.
        self.assertEqual(types, sorted(["Send"] * 5 + ["Delivery"] * 3 + ["Bounce"] * 2 + ["Complaint"]))
        bounce = next(json.loads(e["event"]) for e in sns if json.loads(e["event"])["eventType"] == "Bounce")
        self.assertEqual(bounce["bounce"]["bounceType"], "Permanent")
        self.assertEqual(bounce["mail"]["tags"]["ses:configuration-set"], ["acme-events"])
        self.assertTrue(all("deliveryError" not in e for e in sns), sns)
        kinds_seen = {e["event"]["detail-type"] for e in bridge}
        self.assertEqual(kinds_seen, {"Email Sent", "Email Delivered", "Email Bounced", "Email Complaint Received"})
        self.assertEqual({e["event"]["source"] for e in bridge}, {"aws.ses"})

    def test_fault_switches_throttle_for_a_count(self):
        self.control("faults", {"operation": "GetAccount", "error": "TooManyRequestsException", "count": 1})
        ses = boto3.client("sesv2", endpoint_url=self.url, region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t",
                           config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        code, _ = self.error(ses.get_account)
        self.assertEqual(code, "TooManyRequestsException")
        ses.get_account()

    def test_an_email_link_verifies_only_with_its_token(self):
        self.ses.create_email_identity(EmailIdentity="ops@link.example.net")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{self.url}/_sendready/ses/verify?identity=ops%40link.example.net&token=wrong")
        self.assertEqual(e.exception.code, 403)
        self.assertEqual(self.ses.get_email_identity(EmailIdentity="ops@link.example.net")["VerificationStatus"], "PENDING")
        self.control("verify-email", {"identity": "ops@link.example.net"})
        self.assertEqual(self.ses.get_email_identity(EmailIdentity="ops@link.example.net")["VerificationStatus"], "SUCCESS")


class FaultSwitch(MotoServer):
    """tests/fault_switch.py: DynamoDB, Route 53 and KMS fail in their own protocols, as
    botocore (the same error shapes the Rust SDK reads) classifies AWS's answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        once = Config(retries={"total_max_attempts": 1, "mode": "standard"})
        cls.kms = cls.client("kms", config=once)
        cls.dynamodb = cls.client("dynamodb", config=once)
        cls.route53 = cls.client("route53", config=once)

    def switch(self, body):
        req = urllib.request.Request(f"{self.url}/_sendready/faults", data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def assert_fails(self, call, code, status):
        with self.assertRaises(ClientError) as e:
            call()
        self.assertEqual(e.exception.response["Error"]["Code"], code)
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)

    def test_kms_throttles_then_recovers(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.switch({"service": "kms", "operation": "Encrypt", "count": 1})
        encrypt = lambda: self.kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"tenant": "acme"})  # noqa: E731
        self.assert_fails(encrypt, "ThrottlingException", 400)
        self.assertIn("CiphertextBlob", encrypt())
        self.switch({"service": "kms", "operation": "*", "error": "KMSInternalException", "seconds": 30})
        self.assert_fails(encrypt, "KMSInternalException", 500)
        self.assertEqual(self.switch({}), {"faults": {}})
        encrypt()

    def test_dynamodb_and_route53_answer_in_their_own_protocols(self):
        self.switch({"service": "dynamodb", "operation": "ListTables", "error": "ProvisionedThroughputExceededException"})
        self.assert_fails(self.dynamodb.list_tables, "ProvisionedThroughputExceededException", 400)
        self.dynamodb.list_tables()
        self.switch({"service": "route53", "operation": "ListHostedZones", "count": 1, "after": 1})
        self.route53.list_hosted_zones()
        self.assert_fails(self.route53.list_hosted_zones, "Throttling", 400)
        self.route53.list_hosted_zones()

    def test_an_unknown_service_is_refused(self):
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.switch({"service": "s3"})
        self.assertEqual(e.exception.code, 400)


if __name__ == "__main__":
    unittest.main()
