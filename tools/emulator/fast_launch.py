"""EC2 Fast Launch for Windows AMIs, as EC2 documents it, on the virtual clock
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/win-ami-config-fast-launch.html,
.../win-start-fast-launch-prereqs.html, .../win-view-fast-launch.html,
APIReference/API_EnableFastLaunch.html, API_DisableFastLaunch.html, API_DescribeFastLaunchImages.html).

- EnableFastLaunch takes a Windows AMI the account owns, made by Sysprep with shutdown: an image of
  a running instance is refused ("doesn't currently support AMIs that were created from a running
  instance"), as is an image of another owner or platform. MaxParallelLaunches must be 6 or more
  (InvalidParameterValue); ResourceType is `snapshot`; TargetResourceCount (default 5) snapshots are
  pre-provisioned. The state is `enabling` while EC2 launches temporary instances to make them, then
  `enabled`.
- A launch from an enabled image with a pre-provisioned snapshot on hand boots in 35% of the time
  ("launch instances up to 65% faster") and uses the snapshot, which EC2 replenishes.
- DisableFastLaunch: `disabling`, then the image no longer has it (DescribeFastLaunchImages no
  longer lists it) and its snapshots are cleaned up.
Not documented, so chosen here: pre-provisioning takes PREPROVISION_SECONDS per round of
MaxParallelLaunches instances, replenishing one snapshot takes PREPROVISION_SECONDS, disabling takes
DISABLE_SECONDS; error codes of the refusals (InvalidParameterValue). Not modelled: launch templates
given to EnableFastLaunch, the account's quota of 40 parallel launches, shared images.
"""

import math

PREPROVISION_SECONDS = 20 * 60
DISABLE_SECONDS = 60
FASTER = 0.35
MIN_PARALLEL_LAUNCHES = 6
DEFAULT_TARGET = 5


class FastLaunch:
    def __init__(self, image, target, parallel, clock):
        self.image = image
        self.target = target
        self.parallel = parallel
        self.enabled_at = clock.now() + PREPROVISION_SECONDS * math.ceil(target / parallel)
        self.disabling_since = None
        self.used = []  # when each pre-provisioned snapshot was used

    def state(self, clock):
        if self.disabling_since is not None:
            return "disabling"
        return "enabled" if clock.now() >= self.enabled_at else "enabling"

    def on_hand(self, clock):
        self.used = [t for t in self.used if clock.now() < t + PREPROVISION_SECONDS]
        return self.target - len(self.used) if self.state(clock) == "enabled" else 0

    def describe(self, clock):
        return {
            "ImageId": self.image.id,
            "ResourceType": "snapshot",
            "SnapshotConfiguration": {"TargetResourceCount": self.target},
            "MaxParallelLaunches": self.parallel,
            "OwnerId": self.image.owner_id,
            "State": self.state(clock),
            "StateTransitionReason": {"enabling": "Client.UserInitiated", "enabled": "Client.UserInitiated - Lifecycle state transition", "disabling": "Client.UserInitiated"}[self.state(clock)],
        }


_enabled = {}  # image id -> FastLaunch


def boot(image_id, seconds, clock):
    """The boot time of an instance launched from `image_id` now: faster with a snapshot on hand."""
    fast = _enabled.get(image_id)
    if fast is None or fast.on_hand(clock) <= 0:
        return seconds
    fast.used.append(clock.now())
    return seconds * FASTER


def install(clock):
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterValueError
    from moto.ec2.responses.amis import AmisResponse

    def settle():
        for image_id, fast in list(_enabled.items()):
            if fast.disabling_since is not None and clock.now() >= fast.disabling_since + DISABLE_SECONDS:
                del _enabled[image_id]

    def enable(self):
        settle()
        image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
        self.error_on_dryrun()
        parallel = int(self._get_param("MaxParallelLaunches") or MIN_PARALLEL_LAUNCHES)
        if parallel < MIN_PARALLEL_LAUNCHES:
            raise InvalidParameterValueError(f"MaxParallelLaunches {parallel} (6 or more)")
        if image.owner_id != self.current_account or (image.platform or "").lower() != "windows":
            raise InvalidParameterValueError(f"ImageId {image.id}: not a Windows AMI of this account")
        if getattr(image, "from_running_instance", False):
            raise InvalidParameterValueError(f"ImageId {image.id}: made from a running instance, not by Sysprep with shutdown")
        target = int((self._get_param("SnapshotConfiguration") or {}).get("TargetResourceCount") or DEFAULT_TARGET)
        fast = _enabled.get(image.id)
        if fast is None or fast.disabling_since is not None:
            fast = _enabled[image.id] = FastLaunch(image, target, parallel, clock)
        return ActionResult(fast.describe(clock))

    def disable(self):
        settle()
        image_id = self._get_param("ImageId")
        self.error_on_dryrun()
        fast = _enabled.get(image_id)
        if fast is None:
            raise InvalidParameterValueError(f"ImageId {image_id}: EC2 Fast Launch is not enabled")
        if fast.disabling_since is None:
            fast.disabling_since = clock.now()
        return ActionResult(fast.describe(clock))

    def describe(self):
        settle()
        self.error_on_dryrun()
        wanted = set(self._get_param("ImageIds", []) or [])
        found = [f.describe(clock) for i, f in _enabled.items() if not wanted or i in wanted]
        return ActionResult({"FastLaunchImages": found})

    AmisResponse.enable_fast_launch = enable
    AmisResponse.disable_fast_launch = disable
    AmisResponse.describe_fast_launch_images = describe

    # An image of a running instance cannot be fast-launched: remember which images were.
    create_image = AmisResponse.create_image

    def create_image_noting_the_instance(self):
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        running = instance.state == "running"
        response = create_image(self)
        image = self.ec2_backend.describe_images(ami_ids=[response.result["ImageId"]])[0]
        image.from_running_instance = running
        return response

    AmisResponse.create_image = create_image_noting_the_instance
