#!/usr/bin/env bash
# After deploying (SAM or CDK), run once in the platform's own account:
#   infra/smoke.sh <stack-name> [platform-from-domain]
# It asks IAM's own policy simulator (iam simulate-principal-policy, which evaluates the
# deployed roles' policies as IAM does, condition keys included) what each function may
# do, and fails when a decision is not the one Sendready's design needs. It sends,
# creates and changes nothing. What infra/tests/check_policies.py checks offline (actions,
# condition keys and ARN shapes against the IAM reference) this checks against IAM itself;
# neither proves what an SCP or a permissions boundary of the account adds.
set -euo pipefail
stack=${1:?usage: infra/smoke.sh <stack-name> [platform-from-domain]}
platform_domain=${2:-}
region=$(aws configure get region || echo "${AWS_REGION:?set AWS_REGION}")
account=$(aws sts get-caller-identity --query Account --output text)
ses="arn:aws:ses:$region:$account"

# The role of the stack's function whose logical id contains $1.
role_of() {
  local fn
  fn=$(aws cloudformation describe-stack-resources --stack-name "$stack" \
    --query "StackResources[?ResourceType=='AWS::Lambda::Function' && contains(LogicalResourceId, '$1')].PhysicalResourceId | [0]" --output text)
  aws lambda get-function-configuration --function-name "$fn" --query Role --output text
}

table=$(aws cloudformation describe-stack-resources --stack-name "$stack" \
  --query "StackResources[?ResourceType=='AWS::DynamoDB::Table'].PhysicalResourceId | [0]" --output text)
table_arn="arn:aws:dynamodb:$region:$account:table/$table"
failed=0

# expect <function> <allowed|implicitDeny|explicitDeny> <action> <resource> [context entries...]
expect() {
  local fn=$1 want=$2 action=$3 resource=$4
  shift 4
  local args=(--policy-source-arn "$(role_of "$fn")" --action-names "$action" --resource-arns "$resource")
  [ $# -gt 0 ] && args+=(--context-entries "$@")
  local got
  got=$(aws iam simulate-principal-policy "${args[@]}" --query 'EvaluationResults[0].EvalDecision' --output text)
  if [ "$got" = "$want" ]; then
    printf 'ok    %-10s %-36s %s\n' "$fn" "$action" "$got"
  else
    printf 'FAIL  %-10s %-36s %s (wanted %s) on %s\n' "$fn" "$action" "$got" "$want" "$resource"
    failed=1
  fi
}

expect Identities allowed ses:CreateEmailIdentity "$ses:identity/smoke.example.com" \
  "ContextKeyName=aws:RequestTag/sendready:tenant,ContextKeyValues=smoke,ContextKeyType=string" \
  "ContextKeyName=aws:TagKeys,ContextKeyValues=sendready:tenant,ContextKeyType=stringList"
expect Identities allowed ses:GetEmailIdentity "$ses:identity/smoke.example.com"
expect Identities implicitDeny ses:SendEmail "$ses:identity/smoke.example.com"
expect Identities implicitDeny dynamodb:Scan "$table_arn"
expect Identities allowed dynamodb:Query "$table_arn"
expect Identities implicitDeny route53:ChangeResourceRecordSets "arn:aws:route53:::hostedzone/ZSMOKE" \
  "ContextKeyName=route53:ChangeResourceRecordSetsActions,ContextKeyValues=DELETE,ContextKeyType=stringList"
expect Send allowed ses:SendEmail "$ses:identity/smoke.example.com"
expect Reconcile allowed ses:ListEmailIdentities "*"
expect Reconcile implicitDeny ses:SendEmail "$ses:identity/smoke.example.com"
if [ -n "$platform_domain" ]; then
  expect TestMail explicitDeny ses:SendEmail "$ses:identity/$platform_domain"
fi
exit $failed
