"""Launch templates whose image is a Systems Manager parameter, as EC2 documents them
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-launch-template.html#use-an-ssm-parameter-instead-of-an-ami-id,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html,
https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).

- A template's ImageId may be `resolve:ssm:<parameter>`, `...:<version>` or `...:<label>`: every
  launch resolves it to the parameter's value then.
- DescribeLaunchTemplateVersions shows the alias, or with ResolveAlias the AMI it resolves to now.
moto stored the alias as the image and launched nothing sensible from it.
Not modelled: the aws:ec2:image data type's validation of the parameter's value.
"""

import copy

ALIAS = "resolve:ssm:"


def resolve(image_id, account_id, region):
    """The AMI an image id launches now: the parameter's value for an alias, else the id itself."""
    if not image_id or not str(image_id).startswith(ALIAS):
        return image_id
    from moto.ssm.models import ssm_backends

    parameter = ssm_backends[account_id][region].get_parameter(image_id.removeprefix(ALIAS))
    return parameter.value if parameter is not None else image_id


def install():
    from moto.ec2.responses.launch_templates import LaunchTemplates

    describe = LaunchTemplates.describe_launch_template_versions

    def describe_resolving(self):
        described = describe(self)
        if str(self._get_param("ResolveAlias", "false")).lower() != "true":
            return described
        for version in described.result["LaunchTemplateVersions"]:
            data = version["LaunchTemplateData"] = copy.deepcopy(version["LaunchTemplateData"])
            if "ImageId" in data:
                data["ImageId"] = resolve(data["ImageId"], self.current_account, self.region)
        return described

    LaunchTemplates.describe_launch_template_versions = describe_resolving
