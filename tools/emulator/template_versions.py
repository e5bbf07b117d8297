"""Launch template versions deleted as EC2 documents it
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html,
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/delete-launch-template.html#delete-launch-template-version).

- DeleteLaunchTemplateVersions deletes the numbered versions it names and reports each it could
  not: a version that does not exist (`launchTemplateVersionDoesNotExist`), the default version
  (refused: "you must first assign a different version as the default"; AWS documents no code for
  it, so it is reported as `unexpectedError`). More than 200 versions in one request is refused.
- A version keeps its number after others are deleted, `$Latest` is the highest that remains, and
  a new version is numbered after the highest there ever was (numbers are not reused; AWS shows
  no other numbering, and a reused number would let a pinned group launch a version it never
  named).
moto had no DeleteLaunchTemplateVersions, numbered a new version by counting the versions and
found a version (and MinVersion/MaxVersion ranges) by its position in the list, which only held
while nothing was deleted.
"""

MAX_VERSIONS_PER_REQUEST = 200


def install():
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound, InvalidParameterValueError
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend, LaunchTemplateVersion
    from moto.ec2.responses.launch_templates import LaunchTemplates

    def create_version(self, data, description):
        number = getattr(self, "highest_version_number", len(self.versions)) + 1
        self.highest_version_number = number
        version = LaunchTemplateVersion(self, number, data, description)
        self.versions.append(version)
        return version

    def numbered(self, number):
        return next((v for v in self.versions if v.number == number), None)

    def get_version(self, num):
        if str(num).lower() == "$latest":
            return self.versions[-1]
        if str(num).lower() == "$default":
            return self.default_version()
        version = numbered(self, int(num)) if str(num).isdigit() else None
        if version is None:
            raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)
        return version

    def default_version(self):
        return numbered(self, self.default_version_number)

    LaunchTemplate.create_version = create_version
    LaunchTemplate.get_version = get_version
    LaunchTemplate.default_version = default_version

    describe_by_position = LaunchTemplateBackend.describe_launch_template_versions

    def describe_launch_template_versions(self, template_name, template_id, versions, min_version, max_version, max_results):
        if versions or not (min_version or max_version):
            return describe_by_position(self, template_name, template_id, versions, None, None, max_results)
        template = self.get_launch_template_by_name(template_name) if template_name else self.get_launch_template(template_id)
        low, high = int(min_version or 0), int(max_version or 0) or float("inf")
        return [(template, v) for v in template.versions if low <= v.number <= high][:max_results]

    LaunchTemplateBackend.describe_launch_template_versions = describe_launch_template_versions

    def delete_launch_template_versions(self):
        name, template_id = self._get_param("LaunchTemplateName"), self._get_param("LaunchTemplateId")
        wanted = self._get_param("Versions", []) or []
        self.error_on_dryrun()
        if len(wanted) > MAX_VERSIONS_PER_REQUEST:
            raise InvalidParameterValueError(f"Versions: at most {MAX_VERSIONS_PER_REQUEST} in one request")
        template = self.ec2_backend.get_launch_template_by_name(name) if name else self.ec2_backend.get_launch_template(template_id)
        deleted, refused = [], []
        for asked in wanted:
            item = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name}
            version = numbered(template, int(asked)) if str(asked).isdigit() else None
            if version is None:
                refused.append(item | {"VersionNumber": int(asked) if str(asked).isdigit() else 0, "ResponseError": {
                    "Code": "launchTemplateVersionDoesNotExist",
                    "Message": f"The specified launch template version does not exist: {asked}",
                }})
            elif template.is_default(version):
                refused.append(item | {"VersionNumber": version.number, "ResponseError": {
                    "Code": "unexpectedError",
                    "Message": "Cannot delete the default version of a launch template; make another version the default first",
                }})
            else:
                template.versions.remove(version)
                deleted.append(item | {"VersionNumber": version.number})
        return ActionResult({
            "SuccessfullyDeletedLaunchTemplateVersions": deleted,
            "UnsuccessfullyDeletedLaunchTemplateVersions": refused,
        })

    LaunchTemplates.delete_launch_template_versions = delete_launch_template_versions
