// The Sendready backend as one construct: the same stack as infra/template.yaml (SAM).
// An HTTP API with a JWT authorizer on every route, three arm64 Rust functions split by
// privilege (built by cargo-lambda from crates/lambda), the DynamoDB tenant table and
// least-privilege IAM. infra/cdk/test checks it against template.yaml and openapi.yaml.

import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { CfnOutput, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { HttpApi, HttpMethod, HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AttributeType, BillingMode, type ITable, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { AccountRootPrincipal, Effect, PolicyDocument, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Architecture, EventSourceMapping, type IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { RustFunction } from "cargo-lambda-cdk";
import { Construct } from "constructs";

/** Who signs the tokens the API accepts (an OIDC issuer such as a Cognito user pool). */
export interface SendreadyAuthorizerProps {
  /** The tokens' issuer (`iss`), e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc123. */
  readonly issuer: string;
  /** Accepted audiences (`aud`). */
  readonly audience: string[];
  /** The JWT claim that names the tenant, e.g. `custom:tenant`. Default `tenant`. */
  readonly tenantClaim?: string;
}

/** The tenant table: a new one (on-demand, PITR on, retained) or one the platform owns. */
export interface SendreadyTableProps {
  /** Use this table instead of creating one (it must have string keys `pk` and `sk`). */
  readonly existing?: ITable;
  /** Point-in-time recovery on a new table. Default true. */
  readonly pointInTimeRecovery?: boolean;
  /** What happens to a new table when it leaves the stack. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

/** Properties of {@link SendreadyBackend}. */
export interface SendreadyBackendProps {
  /** The API's JWT authorizer. */
  readonly authorizer: SendreadyAuthorizerProps;
  /** Route 53 hosted zone ids the backend may publish records to. */
  readonly hostedZoneIds: string[];
  /** The tenant table. Default: a new on-demand table with PITR, retained. */
  readonly table?: SendreadyTableProps;
  /** Stage throttling. Default 20 requests/s steady, 40 burst (as the SAM template). */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** How long the functions' logs are kept. Default one month. */
  readonly logRetention?: RetentionDays;
  /** Concurrent executions reserved for (and the most allowed to) each function. Default 10 (as the SAM template). */
  readonly reservedConcurrency?: number;
  /** Per-tenant limits on what tenants share. Defaults as the SAM template's parameters. */
  readonly limits?: SendreadyLimits;
  /** The backend crate's directory or Cargo.toml. Default: this repository's crates/lambda. */
  readonly manifestPath?: string;
  /**
   * The platform's own SES sender for tenants on the default server (an address a
   * verified SES identity of the platform covers). Default: none, and that route answers
   * 503 `message-route-unavailable`.
   */
  readonly platformFrom?: string;
  /**
   * The platform's HTTPS endpoint for identity verification changes (Identity Verified,
   * Identity Verification Failed, Records Changed), signed with `secret` (HMAC-SHA256, at
   * least 32 characters). Default: none, EventBridge only.
   */
  readonly webhook?: { readonly url: string; readonly secret: string };
}

/** Per-tenant limits (each a positive whole number). */
export interface SendreadyLimits {
  /** Test messages (SES and SMTP) per tenant per hour. Default 20. */
  readonly testMailPerHour?: number;
  /** Test messages per tenant per day. Default 100. */
  readonly testMailPerDay?: number;
  /** Times Retry may make SES mail an email identity again, per identity per day. Default 5. */
  readonly verificationResendsPerDay?: number;
  /** SMTP checks and test connections per tenant per minute. Default 10. */
  readonly smtpChecksPerMinute?: number;
  /** Failed SMTP sign-ins per tenant and host per hour. Default 5. */
  readonly smtpAuthFailuresPerHour?: number;
  /** Messages the send route delivers per tenant per hour. Default 1000. */
  readonly messagesPerHour?: number;
  /** SMTP sessions with a tenant's own server, and DNS checks of its domain, a tenant may run at once. Default 2. */
  readonly tenantConcurrency?: number;
}

/** One HTTP route and the function that serves it (the operations of infra/openapi.yaml). */
export interface SendreadyRoute {
  readonly method: HttpMethod;
  readonly path: string;
  /** OAuth scopes API Gateway itself requires (the platform's admin routes). */
  readonly scopes?: readonly string[];
}

/** The scope of the platform's admin routes. */
export const ADMIN_SCOPE = "sendready/admin";

/** The scope of the send route (a platform's notification service, on its own client). */
export const SEND_SCOPE = "sendready/send";

/** The functions by privilege, with the binary each builds and the routes it serves. */
export const FUNCTIONS = {
  Identities: {
    binary: "sendready-identities",
    description: "Identities, Route 53 records, live DNS checks, the sender check, tenant users.",
    routes: [
      { method: HttpMethod.GET, path: "/v1/identities" },
      { method: HttpMethod.POST, path: "/v1/identities" },
      { method: HttpMethod.GET, path: "/v1/identities/{identity}" },
      { method: HttpMethod.DELETE, path: "/v1/identities/{identity}" },
      { method: HttpMethod.POST, path: "/v1/identities/{identity}/dns" },
      { method: HttpMethod.POST, path: "/v1/identities/{identity}/verify" },
      { method: HttpMethod.PUT, path: "/v1/identities/{identity}/mail-from" },
      { method: HttpMethod.GET, path: "/v1/identities/{identity}/policy" },
      { method: HttpMethod.GET, path: "/v1/identities/{identity}/history" },
      { method: HttpMethod.POST, path: "/v1/sender/check" },
      { method: HttpMethod.GET, path: "/v1/tenant" },
      { method: HttpMethod.GET, path: "/v1/events" },
      { method: HttpMethod.POST, path: "/v1/identities/{identity}/claim" },
      { method: HttpMethod.GET, path: "/v1/platform", scopes: [ADMIN_SCOPE] },
      { method: HttpMethod.PUT, path: "/v1/tenants/{tenant}/users", scopes: [ADMIN_SCOPE] },
      { method: HttpMethod.PUT, path: "/v1/tenants/{tenant}/zones", scopes: [ADMIN_SCOPE] },
      { method: HttpMethod.PUT, path: "/v1/tenants/{tenant}/reputation", scopes: [ADMIN_SCOPE] },
    ],
  },
  TestMail: {
    binary: "sendready-test-mail",
    description: "Test messages through SES and through a customer's SMTP server.",
    routes: [
      { method: HttpMethod.POST, path: "/v1/smtp/test-email" },
      { method: HttpMethod.POST, path: "/v1/identities/{identity}/test-email" },
    ],
  },
  SmtpCheck: {
    binary: "sendready-smtp-check",
    description: "SMTP connection checks; the tenant table for its limits, and its logs.",
    routes: [{ method: HttpMethod.POST, path: "/v1/smtp/check" }],
  },
  Settings: {
    binary: "sendready-settings",
    description: "The tenant's email settings, secrets sealed with KMS, Test connection and save.",
    routes: [
      { method: HttpMethod.GET, path: "/v1/settings" },
      { method: HttpMethod.PUT, path: "/v1/settings" },
      { method: HttpMethod.GET, path: "/v1/settings/history" },
      { method: HttpMethod.GET, path: "/v1/settings/smtp-debug" },
    ],
  },
  Send: {
    binary: "sendready-send",
    description: "POST /v1/messages, one message for a tenant through its chosen route.",
    routes: [
      { method: HttpMethod.POST, path: "/v1/messages", scopes: [SEND_SCOPE] },
      { method: HttpMethod.GET, path: "/v1/messages/{messageId}", scopes: [SEND_SCOPE] },
    ],
  },
  Deliver: {
    binary: "sendready-deliver",
    description: "Delivers each message a Prefer respond-async send queued, at most once, through the tenant's route.",
    routes: [],
  },
  Reconcile: {
    binary: "sendready-reconcile",
    description: "Hourly, compares the tenant registry with SES and repairs what it safely can.",
    routes: [],
  },
  Events: {
    binary: "sendready-events",
    description: "SES's events of the tenants' configuration sets, recorded once each and counted for the rates.",
    routes: [],
  },
  Track: {
    binary: "sendready-track",
    description:
      "Every 5 minutes, looks at the identities due (SES's status, their records in live DNS), records each change and announces it.",
    routes: [],
  },
} as const satisfies Record<string, { binary: string; description: string; routes: readonly SendreadyRoute[] }>;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_MANIFEST = path.resolve(HERE, "../../../crates/lambda/Cargo.toml");

/**
 * The Sendready backend: drop it into a stack of the platform's own app.
 *
 * Costs nothing at rest but the tenant table's on-demand storage: Lambda, HTTP API and
 * DynamoDB requests are billed per use.
 */
export class SendreadyBackend extends Construct {
  /** The HTTP API. */
  readonly api: HttpApi;
  /** The API's base URL (the `$default` stage). */
  readonly url: string;
  /** The tenant table. */
  readonly table: ITable;
  /** The functions by privilege. */
  readonly functions: Record<keyof typeof FUNCTIONS, IFunction>;
  /** The KMS key that seals the tenants' SMTP secrets. */
  readonly settingsKey: Key;

  constructor(scope: Construct, id: string, props: SendreadyBackendProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.hostedZoneIds.length === 0) {
      throw new Error("SendreadyBackend: hostedZoneIds is empty; give the Route 53 zones the backend may publish to");
    }
    if (props.authorizer.audience.length === 0) {
      throw new Error("SendreadyBackend: authorizer.audience is empty; give at least one accepted audience");
    }

    const table =
      props.table?.existing ??
      new Table(this, "TenantTable", {
        partitionKey: { name: "pk", type: AttributeType.STRING },
        sortKey: { name: "sk", type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.table?.pointInTimeRecovery ?? true },
        encryption: TableEncryption.AWS_MANAGED,
        // Limit counters expire with their window.
        timeToLiveAttribute: "expiresAt",
        removalPolicy: props.table?.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    if (table instanceof Table) {
      // Sparse: only identity-name owner items carry ownerShard (0-15), so the reconciler
      // walks every name a shard and a page at a time, never scanning the table. A table
      // brought in (`existing`) needs this index added by its owner.
      table.addGlobalSecondaryIndex({
        indexName: "owners",
        partitionKey: { name: "ownerShard", type: AttributeType.STRING },
        sortKey: { name: "pk", type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.table = table;

    const manifestPath = props.manifestPath ?? DEFAULT_MANIFEST;
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const environment = {
      SENDREADY_TENANT_CLAIM: props.authorizer.tenantClaim ?? "tenant",
      SENDREADY_TABLE: this.table.tableName,
      RUST_LOG: "info",
      // Each request ends within 25 s with an answer, under the 30 s timeout.
      SENDREADY_REQUEST_DEADLINE_MS: "25000",
      SENDREADY_LIMIT_TEST_MAIL_PER_HOUR: String(props.limits?.testMailPerHour ?? 20),
      SENDREADY_LIMIT_TEST_MAIL_PER_DAY: String(props.limits?.testMailPerDay ?? 100),
      SENDREADY_LIMIT_VERIFICATION_RESENDS_PER_DAY: String(props.limits?.verificationResendsPerDay ?? 5),
      SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE: String(props.limits?.smtpChecksPerMinute ?? 10),
      SENDREADY_LIMIT_SMTP_AUTH_FAILURES_PER_HOUR: String(props.limits?.smtpAuthFailuresPerHour ?? 5),
      SENDREADY_LIMIT_MESSAGES_PER_HOUR: String(props.limits?.messagesPerHour ?? 1000),
      SENDREADY_TENANT_CONCURRENCY: String(props.limits?.tenantConcurrency ?? 2),
    };
    const make = (name: keyof typeof FUNCTIONS, extra: Record<string, string> = {}) => {
      const spec = FUNCTIONS[name];
      return new RustFunction(this, `${name}Function`, {
        manifestPath,
        binaryName: spec.binary,
        architecture: Architecture.ARM_64,
        runtime: "provided.al2023",
        memorySize: 256,
        timeout: Duration.seconds(30),
        reservedConcurrentExecutions: props.reservedConcurrency ?? 10,
        description: spec.description,
        environment: { ...environment, ...extra },
        logGroup: new LogGroup(this, `${name}Logs`, { retention, removalPolicy: RemovalPolicy.DESTROY }),
      });
    };
    // A domain claimed away from a tenant is announced to it, as the tracker does.
    const identities = make("Identities", {
      SENDREADY_HOSTED_ZONE_IDS: props.hostedZoneIds.join(","),
      SENDREADY_ANNOUNCE_BUS: "default",
      SENDREADY_WEBHOOK_URL: props.webhook?.url ?? "",
      SENDREADY_WEBHOOK_SECRET: props.webhook?.secret ?? "",
    });

    const reconcile = make("Reconcile");
    const events = make("Events");
    const track = new RustFunction(this, "TrackFunction", {
      manifestPath,
      binaryName: FUNCTIONS.Track.binary,
      architecture: Architecture.ARM_64,
      runtime: "provided.al2023",
      memorySize: 256,
      timeout: Duration.seconds(30),
      // One run at a time: runs are short, and two would look at the same identities.
      reservedConcurrentExecutions: 1,
      description: FUNCTIONS.Track.description,
      environment: {
        ...environment,
        SENDREADY_ANNOUNCE_BUS: "default",
        SENDREADY_WEBHOOK_URL: props.webhook?.url ?? "",
        SENDREADY_WEBHOOK_SECRET: props.webhook?.secret ?? "",
      },
      logGroup: new LogGroup(this, "TrackLogs", { retention, removalPolicy: RemovalPolicy.DESTROY }),
    });
    // Seals the tenants' SMTP secrets; each ciphertext names its tenant and field in the
    // encryption context, so it opens for no other.
    // No kms:* for the account: it may administer the key (what AWS requires so a key
    // never becomes unmanageable), and its IAM policies may grant only Encrypt and
    // Decrypt with a tenant in the encryption context (the functions' statements narrow
    // that further). The same policy as the SAM template's.
    const account = new AccountRootPrincipal();
    this.settingsKey = new Key(this, "SettingsKey", {
      description: "Sendready, the tenants' SMTP passwords and tokens.",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: "AccountAdministers",
            effect: Effect.ALLOW,
            principals: [account],
            actions: [
              "kms:Create*",
              "kms:Describe*",
              "kms:Enable*",
              "kms:List*",
              "kms:Put*",
              "kms:Update*",
              "kms:Revoke*",
              "kms:Disable*",
              "kms:Get*",
              "kms:Delete*",
              "kms:TagResource",
              "kms:UntagResource",
              "kms:ScheduleKeyDeletion",
              "kms:CancelKeyDeletion",
              "kms:RotateKeyOnDemand",
            ],
            resources: ["*"],
          }),
          new PolicyStatement({
            sid: "AccountUsesWithTenantContext",
            effect: Effect.ALLOW,
            principals: [account],
            actions: ["kms:Encrypt", "kms:Decrypt"],
            resources: ["*"],
            conditions: { Null: { "kms:EncryptionContext:sendready:tenant": "false" } },
          }),
        ],
      }),
    });
    const settings = make("Settings", { SENDREADY_SETTINGS_KEY_ID: this.settingsKey.keyId });
    // Both open a saved secret to sign in at the one server it was saved for.
    const testMail = make("TestMail", { SENDREADY_SETTINGS_KEY_ID: this.settingsKey.keyId });
    const smtpCheck = make("SmtpCheck", { SENDREADY_SETTINGS_KEY_ID: this.settingsKey.keyId });
    const send = make("Send", {
      SENDREADY_SETTINGS_KEY_ID: this.settingsKey.keyId,
      SENDREADY_PLATFORM_FROM: props.platformFrom ?? "",
    });
    const deliver = make("Deliver", {
      SENDREADY_SETTINGS_KEY_ID: this.settingsKey.keyId,
      SENDREADY_PLATFORM_FROM: props.platformFrom ?? "",
    });
    this.functions = {
      Identities: identities,
      TestMail: testMail,
      SmtpCheck: smtpCheck,
      Settings: settings,
      Send: send,
      Deliver: deliver,
      Reconcile: reconcile,
      Events: events,
      Track: track,
    };
    // A queue `worker` takes ten at a time with partial batch responses (at most
    // `maxConcurrency` at once), its dead-letter queue after `maxReceiveCount` receives,
    // and an alarm on it: the SES events queue and the send queue alike.
    const workedQueue = (
      id: string,
      worker: RustFunction,
      maxReceiveCount: number,
      alarmDescription: string,
      maxConcurrency?: number,
    ) => {
      const deadLetters = new Queue(this, `${id}DeadLetters`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
      });
      const queue = new Queue(this, `${id}Queue`, {
        // Six times the function's timeout, as Lambda's SQS guide advises.
        visibilityTimeout: Duration.seconds(180),
        retentionPeriod: Duration.days(4),
        encryption: QueueEncryption.SQS_MANAGED,
        deadLetterQueue: { queue: deadLetters, maxReceiveCount },
      });
      new EventSourceMapping(this, `${id}Mapping`, {
        target: worker,
        eventSourceArn: queue.queueArn,
        batchSize: 10,
        reportBatchItemFailures: true,
        ...(maxConcurrency ? { maxConcurrency } : {}),
      });
      worker.addToRolePolicy(
        new PolicyStatement({
          sid: `${id}Queue`,
          effect: Effect.ALLOW,
          actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
          resources: [queue.queueArn],
        }),
      );
      new Alarm(this, `${id}DeadLettersAlarm`, {
        alarmDescription,
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      return { queue, deadLetters };
    };
    // Sends with Prefer: respond-async (issue 23.4): the send route puts each message's
    // id on this queue with the tenant as its message group, which makes it an SQS fair
    // queue, so a tenant with a backlog on a slow server delays only its own messages;
    // sendready-deliver takes them under each tenant's share of places (at most 10
    // workers at once). After ten receives a message waits in the dead-letter queue.
    const { queue: sendQueue, deadLetters: sendDeadLetters } = workedQueue(
      "Send",
      deliver,
      10,
      "Queued messages sendready-deliver could not handle after ten receives wait in the dead-letter queue; fix the cause, then redrive them to the send queue.",
      10,
    );
    send.addEnvironment("SENDREADY_SEND_QUEUE_URL", sendQueue.queueUrl);
    send.addToRolePolicy(
      new PolicyStatement({ sid: "SendQueue", effect: Effect.ALLOW, actions: ["sqs:SendMessage"], resources: [sendQueue.queueArn] }),
    );
    // SES events reach sendready-events through a queue (issue 23.3): the rule puts each
    // into it, the function takes them ten at a time and reports the ones it could not
    // store, which come again and after five receives wait in the dead-letter queue, whose
    // alarm says so. Nothing is dropped when the function errs or is throttled.
    const { queue: sesEvents, deadLetters } = workedQueue(
      "SesEvents",
      events,
      5,
      "SES events sendready-events could not store after five tries wait in the dead-letter queue; fix the cause, then redrive them to the SES events queue.",
    );
    // The platform view's queue depths, nothing else of the queues.
    identities.addEnvironment("SENDREADY_EVENTS_QUEUE_URL", sesEvents.queueUrl);
    identities.addEnvironment("SENDREADY_EVENTS_DLQ_URL", deadLetters.queueUrl);
    identities.addEnvironment("SENDREADY_SEND_QUEUE_URL", sendQueue.queueUrl);
    identities.addEnvironment("SENDREADY_SEND_DLQ_URL", sendDeadLetters.queueUrl);
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "QueueDepths",
        effect: Effect.ALLOW,
        actions: ["sqs:GetQueueAttributes"],
        resources: [sesEvents.queueArn, deadLetters.queueArn, sendQueue.queueArn, sendDeadLetters.queueArn],
      }),
    );
    // Every event SES publishes to the default bus for a Sendready configuration set.
    new Rule(this, "SesEvents", {
      eventPattern: {
        source: ["aws.ses"],
        detailType: [
          "Email Sent",
          "Email Delivered",
          "Email Bounced",
          "Email Complaint Received",
          "Email Rejected",
          "Email Delivery Delayed",
          "Email Rendering Failed",
        ],
        detail: { mail: { tags: { "ses:configuration-set": [{ prefix: "sendready-" }] } } },
      },
      targets: [new SqsQueue(sesEvents, { retryAttempts: 20, maxEventAge: Duration.days(1) })],
    });
    // One transaction per event: the once-only guard, the event, the hour's count.
    events.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        actions: ["dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: [this.table.tableArn],
      }),
    );
    new Rule(this, "TrackEvery5Minutes", {
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(track)],
    });
    // Each run goes on from the cursor for 15 s: at 10,000 identities a pass takes a
    // handful of runs, so every name is reconciled within the hour.
    new Rule(this, "ReconcileEveryTenMinutes", {
      schedule: Schedule.rate(Duration.minutes(10)),
      targets: [new LambdaFunction(reconcile)],
    });

    const identityArn = stack.formatArn({ service: "ses", resource: "identity", resourceName: "*" });
    // Each platform tenant's own SES tenant and configuration set (issue 15), under the
    // names Sendready gives them (sendready-t-<tenant>, sendready-h-<hash>).
    const tenantArn = stack.formatArn({ service: "ses", resource: "tenant", resourceName: "sendready-*" });
    const configSetArn = stack.formatArn({ service: "ses", resource: "configuration-set", resourceName: "sendready-*" });
    // SES's managed reputation policies live in the `aws` account.
    const policyArn = stack.formatArn({ service: "ses", account: "aws", resource: "reputation-policy", resourceName: "*" });
    const sesTenants = (actions: string[]) =>
      new PolicyStatement({
        sid: "SesTenants",
        effect: Effect.ALLOW,
        actions,
        resources: [tenantArn, configSetArn, identityArn, ...(actions.includes("ses:UpdateReputationEntityPolicy") ? [policyArn] : [])],
      });
    // A create that carries Tags is also authorized as ses:TagResource (Service
    // Authorization Reference, SES v2); the only tag written is the tenant's.
    const sesTenantTag = () =>
      new PolicyStatement({
        sid: "SesTenantTag",
        effect: Effect.ALLOW,
        actions: ["ses:TagResource"],
        resources: [identityArn, tenantArn, configSetArn],
        conditions: { "ForAllValues:StringEquals": { "aws:TagKeys": ["sendready:tenant"] } },
      });
    // What a send for a tenant needs: SendEmail on the identity, the tenant and its
    // configuration set, and what sets the tenant up when an identity is not in it yet.
    const sesSend = () =>
      new PolicyStatement({
        sid: "SesSend",
        effect: Effect.ALLOW,
        actions: ["ses:SendEmail", "ses:GetEmailIdentity"],
        resources: [identityArn, tenantArn, configSetArn],
      });
    const tenantSetup = [
      "ses:CreateTenant",
      "ses:GetTenant",
      "ses:CreateConfigurationSet",
      "ses:CreateConfigurationSetEventDestination",
      "ses:CreateTenantResourceAssociation",
    ];
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "SesIdentities",
        effect: Effect.ALLOW,
        actions: [
          "ses:CreateEmailIdentity",
          "ses:GetEmailIdentity",
          "ses:DeleteEmailIdentity",
          "ses:PutEmailIdentityDkimSigningAttributes",
          "ses:PutEmailIdentityMailFromAttributes",
        ],
        resources: [identityArn],
      }),
    );
    identities.addToRolePolicy(sesTenantTag());
    identities.addToRolePolicy(
      sesTenants([
        ...tenantSetup,
        "ses:DeleteTenantResourceAssociation",
        "ses:GetReputationEntity",
        "ses:UpdateReputationEntityPolicy",
        "ses:PutTenantSuppressionAttributes",
      ]),
    );
    const zoneArns = props.hostedZoneIds.map((zone) =>
      stack.formatArn({ service: "route53", region: "", account: "", resource: "hostedzone", resourceName: zone }),
    );
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "Route53Read",
        effect: Effect.ALLOW,
        actions: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
        resources: zoneArns,
      }),
    );
    // Only what publishing writes: CREATE (never UPSERT or DELETE) of DKIM CNAMEs and TXT
    // keys under _domainkey, and DMARC TXT.
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "Route53Create",
        effect: Effect.ALLOW,
        actions: ["route53:ChangeResourceRecordSets"],
        resources: zoneArns,
        conditions: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsActions": ["CREATE"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME", "TXT"],
          },
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["*._domainkey.*", "_dmarc.*"],
          },
        },
      }),
    );
    // A custom MAIL FROM domain's MX and SPF TXT, CREATE only, and only at the names
    // Sendready publishes MAIL FROM records under (the core's MAIL_FROM_PUBLISHED_LABELS),
    // so MX and TXT cannot be written anywhere else in a zone.
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "Route53CreateMailFrom",
        effect: Effect.ALLOW,
        actions: ["route53:ChangeResourceRecordSets"],
        resources: zoneArns,
        conditions: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsActions": ["CREATE"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["MX", "TXT"],
          },
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["bounce.*", "bounces.*", "mail.*", "mailfrom.*", "mf.*"],
          },
        },
      }),
    );
    // The reservation transaction checks the parent domains' owners (ConditionCheckItem).
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        actions: [
          "dynamodb:Query",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:ConditionCheckItem",
          // The platform view's tenant count: four items by key.
          "dynamodb:BatchGetItem",
        ],
        resources: [this.table.tableArn],
      }),
    );
    track.addToRolePolicy(
      new PolicyStatement({ sid: "SesIdentities", effect: Effect.ALLOW, actions: ["ses:GetEmailIdentity"], resources: [identityArn] }),
    );
    // The due identities (a query), each one's tracking (a read), and one transaction per
    // look: the state, its next due item, its changes.
    track.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        actions: ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [this.table.tableArn],
      }),
    );
    identities.addToRolePolicy(
      new PolicyStatement({
        sid: "Announce",
        effect: Effect.ALLOW,
        actions: ["events:PutEvents"],
        resources: [stack.formatArn({ service: "events", resource: "event-bus", resourceName: "default" })],
      }),
    );
    track.addToRolePolicy(
      new PolicyStatement({
        sid: "Announce",
        effect: Effect.ALLOW,
        actions: ["events:PutEvents"],
        resources: [stack.formatArn({ service: "events", resource: "event-bus", resourceName: "default" })],
      }),
    );
    testMail.addToRolePolicy(sesSend());
    testMail.addToRolePolicy(sesTenants(tenantSetup));
    testMail.addToRolePolicy(sesTenantTag());
    // GetAccount has no resource type: IAM only accepts "*" for it.
    testMail.addToRolePolicy(
      new PolicyStatement({ sid: "SesAccount", effect: Effect.ALLOW, actions: ["ses:GetAccount"], resources: ["*"] }),
    );
    // Test mail goes from a tenant's identity, never as the platform's own sender (its
    // address, or its domain): only sendready-send sends as it. Without a platform sender
    // there is nothing to deny (an ARN ending in "identity/" would name no identity).
    const platformFrom = props.platformFrom ?? "";
    if (platformFrom !== "") {
      testMail.addToRolePolicy(
        new PolicyStatement({
          sid: "NotAsThePlatform",
          effect: Effect.DENY,
          actions: ["ses:SendEmail"],
          resources: [...new Set([platformFrom, `${platformFrom}@`.split("@")[1]])].map((name) =>
            stack.formatArn({ service: "ses", resource: "identity", resourceName: name }),
          ),
        }),
      );
    }
    testMail.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        // PutItem/DeleteItem: a place of the tenant's share of SMTP sessions.
        actions: ["dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [this.table.tableArn],
      }),
    );
    // ListEmailIdentities has no resource type: IAM only accepts "*" for it.
    reconcile.addToRolePolicy(
      new PolicyStatement({ sid: "SesList", effect: Effect.ALLOW, actions: ["ses:ListEmailIdentities"], resources: ["*"] }),
    );
    reconcile.addToRolePolicy(
      new PolicyStatement({
        sid: "SesIdentities",
        effect: Effect.ALLOW,
        actions: ["ses:GetEmailIdentity"],
        resources: [identityArn],
      }),
    );
    reconcile.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        // Names by key and their owners index a page at a time (no Scan), its cursor, and
        // the reservation transaction of an orphan registered again.
        actions: [
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:ConditionCheckItem",
        ],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/owners`],
      }),
    );
    // KMS on the settings key only with the tenant, the field and the SMTP server the
    // secret is bound to in the encryption context, so a ciphertext opens for no other
    // tenant, field or server; a secret is sealed only bound to one (secrets sealed
    // before bindings name tenant and field, and still open).
    const contextKeys = [
      "sendready:tenant",
      "sendready:field",
      "sendready:smtp-host",
      "sendready:smtp-port",
      "sendready:smtp-username",
    ];
    const settingsKey = (sid: string, actions: string[], bound: boolean) =>
      new PolicyStatement({
        sid,
        effect: Effect.ALLOW,
        actions,
        resources: [this.settingsKey.keyArn],
        conditions: {
          "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": contextKeys },
          Null: {
            "kms:EncryptionContext:sendready:tenant": "false",
            ...(bound ? { "kms:EncryptionContext:sendready:smtp-host": "false" } : {}),
          },
        },
      });
    const openSecret = () => settingsKey("SettingsKey", ["kms:Decrypt"], false);
    settings.addToRolePolicy(settingsKey("SettingsKeySeal", ["kms:Encrypt"], true));
    settings.addToRolePolicy(openSecret());
    smtpCheck.addToRolePolicy(openSecret());
    testMail.addToRolePolicy(openSecret());
    settings.addToRolePolicy(
      new PolicyStatement({ sid: "SesSender", effect: Effect.ALLOW, actions: ["ses:GetEmailIdentity"], resources: [identityArn] }),
    );
    settings.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        // DeleteItem: a place of the tenant's share of SMTP sessions given back.
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        resources: [this.table.tableArn],
      }),
    );
    // The worker sends as the route does, with the same rights.
    for (const f of [send, deliver]) {
      f.addToRolePolicy(openSecret());
      f.addToRolePolicy(sesSend());
      f.addToRolePolicy(sesTenants(tenantSetup));
      f.addToRolePolicy(sesTenantTag());
      f.addToRolePolicy(
        new PolicyStatement({
          sid: "TenantTable",
          effect: Effect.ALLOW,
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          resources: [this.table.tableArn],
        }),
      );
    }
    // The SMTP checks' limits (checks per minute, failed sign-ins per host).
    smtpCheck.addToRolePolicy(
      new PolicyStatement({
        sid: "TenantTable",
        effect: Effect.ALLOW,
        // PutItem/DeleteItem: a place of the tenant's share of SMTP sessions.
        actions: ["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [this.table.tableArn],
      }),
    );

    const authorizer = new HttpJwtAuthorizer("JwtAuthorizer", props.authorizer.issuer, {
      jwtAudience: props.authorizer.audience,
      identitySource: ["$request.header.Authorization"],
    });
    this.api = new HttpApi(this, "HttpApi", { createDefaultStage: false, defaultAuthorizer: authorizer });
    const stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttling ?? { rateLimit: 20, burstLimit: 40 },
    });
    this.url = stage.url;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, (typeof FUNCTIONS)[keyof typeof FUNCTIONS]][]) {
      const integration = new HttpLambdaIntegration(`${name}Integration`, this.functions[name]);
      for (const route of spec.routes) {
        const scopes: readonly string[] | undefined = "scopes" in route ? route.scopes : undefined;
        this.api.addRoutes({
          path: route.path,
          methods: [route.method],
          integration,
          ...(scopes ? { authorizationScopes: [...scopes] } : {}),
        });
      }
    }
  }
}

/** A stack holding one {@link SendreadyBackend}, with its outputs (as the SAM template's). */
export function addOutputs(scope: Construct, backend: SendreadyBackend): void {
  new CfnOutput(scope, "ApiUrl", { description: "The API's base URL.", value: backend.url });
  new CfnOutput(scope, "TenantTableName", { description: "The tenant registry table.", value: backend.table.tableName });
}
