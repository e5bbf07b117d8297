"""An AMI's deprecation time and deregistration protection, as EC2 documents them
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deregistration-protection.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeregistrationProtection.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableImageDeregistrationProtection.html,
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeprecation.html).

- EnableImageDeregistrationProtection protects an image (DescribeImages: DeregistrationProtection
  `enabled-with-cooldown` or `enabled-without-cooldown`); DeregisterImage then fails.
  DisableImageDeregistrationProtection lifts it (`disabled`), except that protection enabled with a
  cooldown still holds for 24 hours (`disabled-until <time>`), on the virtual clock. Unprotected
  images say `disabled`. The error code of the refused deregistration is not documented:
  OperationNotPermitted here (unconfirmed).
- EnableImageDeprecation sets DeprecationTime, rounded down to the minute; a time in the past, or
  more than 10 years ahead, is refused (InvalidParameterValue). DisableImageDeprecation clears it.
  "The past" is by the clock moto stamps CreationDate with (real time), not the virtual clock: a
  deprecation computed from an image's making must not be refused because a test skipped days.
Not modelled: Recycle Bin, the 2-year limit for public images.
"""

import datetime

COOLDOWN = datetime.timedelta(hours=24)
LONGEST_DEPRECATION = datetime.timedelta(days=3650)


def install(clock):
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.ec2.exceptions import InvalidParameterValueError, OperationNotPermitted
    from moto.ec2.models.amis import Ami
    from moto.ec2.responses.amis import AmisResponse

    # Every image starts unprotected and not deprecated, as DescribeImages says of one.
    Ami.deregistration_protection = "disabled"
    Ami.deprecation_time = None

    def image(self):
        return self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]

    def protected(ami):
        state = ami.deregistration_protection
        if state.startswith("enabled"):
            return True
        if state.startswith("disabled-until "):
            until = datetime.datetime.fromisoformat(state.removeprefix("disabled-until "))
            return clock.datetime() < until
        return False

    def enable_protection(self):
        ami = image(self)
        self.error_on_dryrun()
        cooldown = str(self._get_param("WithCooldown", "false")).lower() == "true"
        ami.deregistration_protection = "enabled-with-cooldown" if cooldown else "enabled-without-cooldown"
        return ActionResult({"Return": ami.deregistration_protection})

    def disable_protection(self):
        ami = image(self)
        self.error_on_dryrun()
        if ami.deregistration_protection == "enabled-with-cooldown":
            until = (clock.datetime() + COOLDOWN).isoformat(timespec="seconds")
            ami.deregistration_protection = f"disabled-until {until}"
        elif not ami.deregistration_protection.startswith("disabled-until "):
            ami.deregistration_protection = "disabled"
        return ActionResult({"Return": ami.deregistration_protection})

    deregister = AmisResponse.deregister_image

    def deregister_unless_protected(self):
        ami_id = self._get_param("ImageId")
        ami = self.ec2_backend.amis.get(ami_id)
        if ami is not None and protected(ami):
            raise OperationNotPermitted(f"The image {ami_id} is protected from deregistration ({ami.deregistration_protection}).")
        return deregister(self)

    def enable_deprecation(self):
        ami = image(self)
        self.error_on_dryrun()
        raw = self._get_param("DeprecateAt")  # moto parses the timestamp, or leaves the text
        at = raw if isinstance(raw, datetime.datetime) else datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        at = (at if at.tzinfo else at.replace(tzinfo=datetime.UTC)).replace(second=0, microsecond=0)
        now = utcnow().replace(tzinfo=datetime.UTC)
        if at <= now or at > now + LONGEST_DEPRECATION:
            raise InvalidParameterValueError(f"DeprecateAt {raw}")
        ami.deprecation_time = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return ActionResult({"Return": True})

    def disable_deprecation(self):
        ami = image(self)
        self.error_on_dryrun()
        ami.deprecation_time = None
        return ActionResult({"Return": True})

    AmisResponse.enable_image_deregistration_protection = enable_protection
    AmisResponse.disable_image_deregistration_protection = disable_protection
    AmisResponse.deregister_image = deregister_unless_protected
    AmisResponse.enable_image_deprecation = enable_deprecation
    AmisResponse.disable_image_deprecation = disable_deprecation
