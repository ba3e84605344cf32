#!/usr/bin/env -S npx tsx
// The Sendready backend as a CDK app: `npx cdk deploy -c jwtIssuer=... -c jwtAudience=...
// -c hostedZoneIds=Z1,Z2` (see the README's CDK section). Settings come from CDK context
// (-c or cdk.json) or the same names in SCREAMING_CASE as environment variables.

import { App, Stack } from "aws-cdk-lib";

import { addOutputs, SendreadyBackend } from "../lib/sendready-backend.ts";

const app = new App();

function setting(name: string, env: string, required: boolean): string | undefined {
  const value = app.node.tryGetContext(name) ?? process.env[env];
  if (required && (value === undefined || String(value).trim() === "")) {
    console.error(`sendready-cdk: ${name} is not set. Pass it with -c ${name}=... or the ${env} environment variable.`);
    process.exit(2);
  }
  return value === undefined ? undefined : String(value);
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

const stack = new Stack(app, setting("stackName", "SENDREADY_STACK_NAME", false) ?? "Sendready", {
  description: "Sendready backend: HTTP API with a JWT authorizer, three Lambda functions split by privilege, the tenant table.",
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const backend = new SendreadyBackend(stack, "Backend", {
  authorizer: {
    issuer: setting("jwtIssuer", "JWT_ISSUER", true)!,
    audience: list(setting("jwtAudience", "JWT_AUDIENCE", true)),
    tenantClaim: setting("tenantClaim", "TENANT_CLAIM", false),
  },
  hostedZoneIds: list(setting("hostedZoneIds", "HOSTED_ZONE_IDS", true)),
  platformFrom: setting("platformFrom", "PLATFORM_FROM", false),
});
addOutputs(stack, backend);
app.synth();
