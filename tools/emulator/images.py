"""AMIs tagged at creation, as EC2 documents it
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html).

- CreateImage and CopyImage take TagSpecifications that tag the new AMI (ResourceType `image`), its
  new snapshots (ResourceType `snapshot`; the same tags on every one), or both. Any other
  ResourceType fails the request with InvalidParameterValue, before anything is made.
- moto refuses snapshot TagSpecifications on CreateImage (NotImplementedError) and ignores
  TagSpecifications on CopyImage.
Not modelled: CopyImageTags (copying the source's own tags).
"""


def install():
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidTaggableResourceType
    from moto.ec2.responses.amis import AmisResponse

    def tags_by_type(specifications):
        tags = {"image": {}, "snapshot": {}}
        for specification in specifications:
            kind = specification.get("ResourceType")
            if kind not in tags:
                raise InvalidTaggableResourceType(kind)
            for tag in specification.get("Tags", []):
                tags[kind][tag["Key"]] = tag.get("Value", "")
        return tags

    def tag(image, tags):
        image.add_tags(tags["image"])
        image.ebs_snapshot.add_tags(tags["snapshot"])

    def tagged_at_creation(make):
        def respond(self):
            tags = tags_by_type(self._get_param("TagSpecifications", []))
            self.error_on_dryrun()
            image = make(self)
            tag(image, tags)
            return ActionResult({"ImageId": image.id})

        return respond

    AmisResponse.create_image = tagged_at_creation(
        lambda self: self.ec2_backend.create_image(
            self._get_param("InstanceId"), self._get_param("Name"), self._get_param("Description", ""), tag_specifications=[]
        )
    )
    AmisResponse.copy_image = tagged_at_creation(
        lambda self: self.ec2_backend.copy_image(
            self._get_param("SourceImageId"), self._get_param("SourceRegion"), self._get_param("Name"), self._get_param("Description")
        )
    )
