"""Checks infra/template.yaml against the API and the backend crate, offline.

Run by scripts/test with the project's .venv: `python infra/tests/test_template.py`.
- Every operation in infra/openapi.yaml is routed to exactly one function, and every
  routed operation is in the API description.
- Each function builds a binary that crates/lambda/Cargo.toml declares.
- No IAM statement allows a wildcard action; only SES GetAccount (which has no resource
  type) may use a wildcard resource.
- The tenant table has point-in-time recovery, the API a default JWT authorizer and stage
  throttling, and every function a log group with retention.
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) kept as {tag: value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


def main():
    failures = []
    template = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=CfnLoader)
    api = yaml.safe_load((ROOT / "infra/openapi.yaml").read_text())
    cargo = (ROOT / "crates/lambda/Cargo.toml").read_text()
    binaries = set(re.findall(r'name = "(sendready-[a-z-]+)"', cargo))

    described = {
        (method.upper(), path)
        for path, ops in api["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "delete", "patch")
    }
    routed = {}
    admin = set()
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    for name, fn in functions.items():
        binary = fn["Metadata"]["BuildProperties"]["Binary"]
        if binary not in binaries:
            failures.append(f"{name} builds {binary}, which crates/lambda/Cargo.toml does not declare")
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            key = (props["Method"].upper(), props["Path"])
            if key in routed:
                failures.append(f"{key} is routed to both {routed[key]} and {name}")
            routed[key] = name
            if "Auth" in props:
                auth = props["Auth"]
                if auth.get("Authorizer") != "JwtAuthorizer":
                    failures.append(f"{key} overrides the default authorizer")
                if auth.get("AuthorizationScopes") == ["sendready/admin"]:
                    admin.add(key)
            if props["Path"] == "/v1/messages" and props.get("Auth", {}).get("AuthorizationScopes") != ["sendready/send"]:
                failures.append(f"{key} sends mail but API Gateway does not require the send scope")
            if ("/v1/tenants/" in props["Path"] or props["Path"] == "/v1/platform") and key not in admin:
                failures.append(f"{key} is the platform's route but API Gateway does not require the admin scope")
        for policy in fn["Properties"].get("Policies", []):
            for st in policy.get("Statement", []):
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                for a in actions:
                    if "*" in a:
                        failures.append(f"{name}: wildcard action {a}")
                # GetAccount and ListEmailIdentities have no resource type.
                if st.get("Resource") == "*" and actions not in (["ses:GetAccount"], ["ses:ListEmailIdentities"]):
                    failures.append(f"{name}: wildcard resource for {actions}")
        logs = [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"
                and name in str(r["Properties"]["LogGroupName"])]
        if not logs or "RetentionInDays" not in logs[0]["Properties"]:
            failures.append(f"{name} has no log group with a retention")

    for missing in sorted(described - routed.keys()):
        failures.append(f"{missing} is in openapi.yaml but routed to no function")
    for extra in sorted(routed.keys() - described):
        failures.append(f"{extra} is routed but not in openapi.yaml")

    table = resources["TenantTable"]["Properties"]
    if not table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        failures.append("the tenant table has no point-in-time recovery")
    if table.get("BillingMode") != "PAY_PER_REQUEST":
        failures.append("the tenant table is not on-demand")
    # The reconciler walks the sparse owners index, never the table (issue 23.2).
    owners = [i for i in table.get("GlobalSecondaryIndexes", []) if i.get("IndexName") == "owners"]
    if not owners or [k["AttributeName"] for k in owners[0]["KeySchema"]] != ["ownerShard", "pk"]:
        failures.append("the tenant table has no owners index (ownerShard, pk) for the reconciler")
    # SES events (issue 23.3) and queued sends (issue 23.4) each go through a queue with a
    # dead-letter queue and an alarm, to a function that reports partial batch failures.
    mappings = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    for queue_id, dlq_id, fn_id in (("SesEventsQueue", "SesEventsDeadLetters", "EventsFunction"),
                                    ("SendQueue", "SendDeadLetters", "DeliverFunction")):
        queue = resources.get(queue_id, {}).get("Properties", {})
        redrive = queue.get("RedrivePolicy", {})
        if redrive.get("maxReceiveCount") is None or redrive.get("deadLetterTargetArn") != {"GetAtt": f"{dlq_id}.Arn"}:
            failures.append(f"{queue_id} has no dead-letter queue {dlq_id}")
        mapping = [m for m in mappings if m.get("EventSourceArn") == {"GetAtt": f"{queue_id}.Arn"}]
        if not mapping or mapping[0].get("FunctionName") != {"Ref": fn_id} \
                or "ReportBatchItemFailures" not in mapping[0].get("FunctionResponseTypes", []):
            failures.append(f"{queue_id} does not feed {fn_id} with partial batch failures")
        if not any(d.get("Value") == {"GetAtt": f"{dlq_id}.QueueName"} for a in alarms for d in a.get("Dimensions", [])):
            failures.append(f"no alarm on {dlq_id}")
    for name, fn in functions.items():
        for policy in fn["Properties"].get("Policies", []):
            for st in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if "dynamodb:Scan" in st.get("Action", []):
                    failures.append(f"{name} may Scan the table: every read names a key range")
    http = resources["HttpApi"]["Properties"]
    if http["Auth"].get("DefaultAuthorizer") != "JwtAuthorizer":
        failures.append("the API has no default JWT authorizer")
    if "ThrottlingRateLimit" not in http.get("DefaultRouteSettings", {}):
        failures.append("the API stage has no throttling")
    statements = [
        st
        for fn in functions.values()
        for policy in fn["Properties"].get("Policies", [])
        for st in policy.get("Statement", [])
    ]
    change = [st for st in statements if "route53:ChangeResourceRecordSets" in st["Action"]]
    if [st.get("Sid") for st in change] != ["Route53Create", "Route53CreateMailFrom"]:
        failures.append("route53:ChangeResourceRecordSets stands in Route53Create and Route53CreateMailFrom only")
    for st in change:
        cond = st.get("Condition", {})
        if st["Action"] != ["route53:ChangeResourceRecordSets"]:
            failures.append(f"{st.get('Sid')}: route53:ChangeResourceRecordSets must stand in a statement of its own")
        if cond.get("ForAllValues:StringEquals", {}).get("route53:ChangeResourceRecordSetsActions") != ["CREATE"]:
            failures.append(f"{st.get('Sid')}: Route 53 changes are not limited to CREATE")
        if "route53:ChangeResourceRecordSetsRecordTypes" not in cond.get("ForAllValues:StringEquals", {}):
            failures.append(f"{st.get('Sid')}: Route 53 changes are not limited by record type")
        if "route53:ChangeResourceRecordSetsNormalizedRecordNames" not in cond.get("ForAllValues:StringLike", {}):
            failures.append(f"{st.get('Sid')}: Route 53 changes are not limited by record name")
        if st.get("Sid") == "Route53CreateMailFrom" and cond["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsRecordTypes"] != ["MX", "TXT"]:
            failures.append("the MAIL FROM statement creates only MX and TXT records")
    # The MAIL FROM names IAM allows are the ones the core publishes under.
    core = (ROOT / "crates/core/src/dns/mod.rs").read_text()
    labels = re.search(r"MAIL_FROM_PUBLISHED_LABELS: &\[&str\] = &\[([^\]]*)\]", core)
    want = [f"{l}.*" for l in re.findall(r'"([^"]+)"', labels.group(1))] if labels else None
    for st in change:
        if st.get("Sid") == "Route53CreateMailFrom":
            names = st["Condition"].get("ForAllValues:StringLike", {}).get("route53:ChangeResourceRecordSetsNormalizedRecordNames")
            if names != want:
                failures.append(f"the MAIL FROM statement's names {names} are not the core's MAIL_FROM_PUBLISHED_LABELS {want}")
    tags = [st for st in statements if st.get("Sid") == "SesTenantTag"]
    if not tags:
        failures.append("a tagged CreateEmailIdentity needs ses:TagResource, in a statement of its own")
    for tag in tags:
        if tag["Action"] != ["ses:TagResource"]:
            failures.append("ses:TagResource must stand in a statement of its own")
        elif tag.get("Condition", {}).get("ForAllValues:StringEquals", {}).get("aws:TagKeys") != ["sendready:tenant"]:
            failures.append("ses:TagResource is not limited to the tenant tag key")
    # The SES tenants and configuration sets a function may touch are Sendready's own.
    for st in statements:
        if st.get("Sid") in ("SesTenants", "SesSend", "SesTenantTag"):
            arns = json.dumps(st["Resource"])
            if ":tenant/*" in arns or ":configuration-set/*" in arns:
                failures.append(f"{st['Sid']} names every SES tenant or configuration set, not sendready-*")
    if "ReservedConcurrentExecutions" not in template.get("Globals", {}).get("Function", {}):
        failures.append("the functions have no reserved concurrency")
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    if "SENDREADY_REQUEST_DEADLINE_MS" not in env:
        failures.append("the functions have no request deadline")
    for limit in ("TEST_MAIL_PER_HOUR", "TEST_MAIL_PER_DAY", "VERIFICATION_RESENDS_PER_DAY",
                  "SMTP_CHECKS_PER_MINUTE", "SMTP_AUTH_FAILURES_PER_HOUR", "MESSAGES_PER_HOUR"):
        if f"SENDREADY_LIMIT_{limit}" not in env:
            failures.append(f"SENDREADY_LIMIT_{limit} is not configurable")
    if "ApiUrl" not in template.get("Outputs", {}):
        failures.append("no ApiUrl output")
    # The settings key's policy: administration and tenant-context use, never kms:*.
    key = resources["SettingsKey"]["Properties"]["KeyPolicy"]["Statement"]
    for st in key:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if "kms:*" in actions:
            failures.append(f"the settings key's {st['Sid']} grants kms:*")
        if st["Sid"] != "AccountUsesWithTenantContext" and {"kms:Encrypt", "kms:Decrypt"} & set(actions):
            failures.append(f"the settings key's {st['Sid']} may use the key")
    use = [st for st in key if st["Sid"] == "AccountUsesWithTenantContext"]
    if not use or use[0].get("Condition", {}).get("Null", {}).get("kms:EncryptionContext:sendready:tenant") != "false":
        failures.append("the settings key may be used without a tenant in the encryption context")

    if failures:
        print("infra/template.yaml:\n  " + "\n  ".join(failures))
        return 1
    print(f"infra/template.yaml: {len(routed)} routes on {len(functions)} functions match openapi.yaml; IAM has no wildcard actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
