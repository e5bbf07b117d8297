"""AMIs tagged and encrypted at creation, as EC2 documents it
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html).

- CreateImage and CopyImage take TagSpecifications that tag the new AMI (ResourceType `image`), its
  new snapshots (ResourceType `snapshot`; the same tags on every one), or both. Any other
  ResourceType fails the request with InvalidParameterValue, before anything is made.
- moto refuses snapshot TagSpecifications on CreateImage (NotImplementedError) and ignores
  TagSpecifications on CopyImage.
- Encryption (https://docs.aws.amazon.com/ebs/latest/userguide/ami-encryption.html): CopyImage with
  Encrypted encrypts the copy's snapshots with KmsKeyId, or with EBS's default key (aws/ebs) without
  one; a KmsKeyId without Encrypted is refused (InvalidParameterDependency, as moto's volumes do); a
  copy of an encrypted image stays encrypted, with its source's key unless another is given.
  CreateImage's snapshots have the encryption and key of the instance's volumes. DescribeImages
  shows each mapping's Encrypted and KmsKeyId. moto ignored all of it: every image was unencrypted.
- RunInstances takes a mapping of the image's root device that gives neither VolumeSize nor
  SnapshotId (to encrypt it, say): the volume comes from the image's snapshot, at its size
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html: "If you're
  creating the volume from a snapshot and don't specify a volume size, the default is the snapshot
  size"); moto refused it (MissingParameter).
Not modelled: CopyImageTags (copying the source's own tags), images of several volumes.
"""


def install():
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterDependency, InvalidTaggableResourceType
    from moto.ec2.models.amis import Ami
    from moto.ec2.responses.amis import AmisResponse
    from moto.ec2.responses.instances import InstanceResponse

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

    def encrypt(backend, snapshot, encrypted, kms_key_id):
        snapshot.encrypted = encrypted
        if encrypted and not kms_key_id:
            kms_key_id = backend.default_kms_key_id or backend._create_default_encryption_key()
        snapshot.kms_key_id = kms_key_id if encrypted else None

    def image_of_instance(self):
        backend = self.ec2_backend
        instance = backend.get_instance(self._get_param("InstanceId"))
        image = backend.create_image(instance.id, self._get_param("Name"), self._get_param("Description", ""), tag_specifications=[])
        root = instance.block_device_mapping.get(instance.root_device_name)
        volume = backend.get_volume(root.volume_id) if root is not None else None
        encrypt(backend, image.ebs_snapshot, bool(volume and volume.encrypted), volume.kms_key_id if volume else None)
        return image

    def copy(self):
        backend = self.ec2_backend
        encrypted = str(self._get_param("Encrypted", "false")).lower() == "true"
        key = self._get_param("KmsKeyId")
        if key and not encrypted:
            raise InvalidParameterDependency("KmsKeyId", "Encrypted")
        source = backend.describe_images(ami_ids=[self._get_param("SourceImageId")])[0]
        source_snapshot = getattr(source, "ebs_snapshot", None)
        if source_snapshot is not None and source_snapshot.encrypted:
            encrypted, key = True, key or source_snapshot.kms_key_id
        image = backend.copy_image(
            self._get_param("SourceImageId"), self._get_param("SourceRegion"), self._get_param("Name"), self._get_param("Description")
        )
        encrypt(backend, image.ebs_snapshot, encrypted, key)
        return image

    def mappings(self):
        encrypted = {"Encrypted": bool(self.ebs_snapshot.encrypted)}
        if self.ebs_snapshot.kms_key_id:
            encrypted["KmsKeyId"] = self.ebs_snapshot.kms_key_id
        return [
            {**mapping, "Ebs": {**mapping["Ebs"], **encrypted}} if "Ebs" in mapping else mapping
            for mapping in plain_mappings.fget(self)
        ]

    parse = InstanceResponse._parse_block_device_mapping

    def root_from_the_image(self):
        image_id = self._get_param("ImageId")
        images = self.ec2_backend.describe_images(ami_ids=[image_id]) if image_id else []
        for mapping in self._get_param("BlockDeviceMappings", []) if images else []:
            ebs = mapping.get("Ebs")
            if mapping.get("DeviceName") == images[0].root_device_name and ebs is not None:
                if not ebs.get("VolumeSize") and not ebs.get("SnapshotId"):
                    ebs["SnapshotId"] = images[0].ebs_snapshot.id
        return parse(self)

    InstanceResponse._parse_block_device_mapping = root_from_the_image
    plain_mappings = Ami.block_device_mappings
    Ami.block_device_mappings = property(mappings)
    AmisResponse.create_image = tagged_at_creation(image_of_instance)
    AmisResponse.copy_image = tagged_at_creation(copy)
