"""infra/tests/check_policies.py finds what it exists for: an action that is not one, a
condition key an action does not support, a resource of the wrong shape; and passes a
statement that is right."""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_policies  # noqa: E402


def template(*statements):
    return {"Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [{"Statement": list(statements)}]}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }}


def failures(*statements):
    return check_policies.check(template(*statements))[1]


IDENTITY = {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}


class CheckPolicies(unittest.TestCase):
    def test_a_right_statement_passes(self):
        self.assertEqual(failures(
            {"Effect": "Allow", "Action": ["ses:GetEmailIdentity", "ses:DeleteEmailIdentity"], "Resource": IDENTITY,
             "Condition": {"StringEquals": {"aws:ResourceTag/sendready:tenant": "${aws:PrincipalTag/sendready:tenant}"}}},
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
             "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TENANT#${aws:PrincipalTag/sendready:tenant}"]}}},
        ), [])

    def test_an_action_that_does_not_exist_fails(self):
        self.assertIn("ses:SendEmails is not an action",
                      " ".join(failures({"Effect": "Allow", "Action": "ses:SendEmails", "Resource": "*"})))

    def test_a_condition_key_the_action_does_not_support_fails(self):
        # ListEmailIdentities acts on no resource: a tag condition is never met.
        out = failures({"Effect": "Allow", "Action": ["ses:ListEmailIdentities"], "Resource": "*",
                        "Condition": {"StringEquals": {"aws:ResourceTag/sendready:tenant": "acme"}}})
        self.assertEqual(len(out), 1, out)
        self.assertIn("does not support the condition key aws:ResourceTag/sendready:tenant", out[0])
        out = failures({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": {"Fn::GetAtt": ["Queue", "Arn"]},
                        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["acme"]}}})
        self.assertIn("sqs:SendMessage does not support the condition key dynamodb:LeadingKeys", " ".join(out))

    def test_a_resource_of_another_service_fails(self):
        out = failures({"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}})
        self.assertIn("is a resource dynamodb:GetItem acts on", " ".join(out))
        out = failures({"Effect": "Allow", "Action": ["ses:ListEmailIdentities"], "Resource": IDENTITY})
        self.assertIn("has no resource types; it needs Resource *", " ".join(out))

    def test_the_sam_template_passes(self):
        count, out, _ = check_policies.check(check_policies.load(str(check_policies.ROOT / "infra/template.yaml")))
        self.assertGreater(count, 30)
        self.assertEqual(out, [])


if __name__ == "__main__":
    unittest.main()
