"""EC2 Auto Scaling's instance refresh, as AWS documents it, on the virtual clock
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html,
.../instance-refresh-rollback.html, APIReference/API_StartInstanceRefresh.html, API_RefreshPreferences.html).

- StartInstanceRefresh checks what AWS checks: one refresh at a time (InstanceRefreshInProgress);
  AutoRollback needs a DesiredConfiguration, whose launch template version may not be $Latest or
  $Default, and a group that names a numbered version itself: "The rollback option is not
  available if the Auto Scaling group is configured to use the $Latest or $Default launch template
  version" (instance-refresh-rollback.html, Considerations); MinHealthyPercentage 0-100, MaxHealthyPercentage 100-200, at most 100 apart, and above
  100 when MinHealthy is 100.
- Instances are replaced within the preferences: never fewer healthy than MinHealthy% of the desired
  capacity, never more in all than MaxHealthy% (above 100: new ones are launched before old ones
  go). A new instance counts as healthy once it is InService and its InstanceWarmup has passed.
  SkipMatching leaves the instances already on the desired configuration alone.
- New instances launch from the DesiredConfiguration; the group takes it when the refresh succeeds.
  Each goes to the zone that will be emptiest once the instances still to be replaced have gone, and
  old ones go from the fullest zone first: the group ends as balanced as it began (Auto Scaling keeps
  its zones balanced, auto-scaling-benefits.html#arch-AutoScalingMultiAZ).
- A new instance failing its load balancer's checks after its warm-up fails the refresh; with
  AutoRollback, the instances it launched are replaced from the group's previous configuration
  (RollbackInProgress, then RollbackSuccessful). Cancel stops it (Cancelled); RollbackInstanceRefresh
  rolls back one that has a DesiredConfiguration.
Steps happen when the emulator is next asked anything, as the rest of the fleet's time does.
- Once it succeeds, the warm pool's instances are replaced too (the pool refills from the new
  configuration).
- Checkpoints (asg-adding-checkpoints-instance-refresh.html): CheckpointPercentages ascending and
  unique, each 1-100; CheckpointDelay (default 3600 s) only with them. Replacements are paced so
  that no more than a checkpoint's percentage of the instances are replaced before it is reached;
  there the refresh waits CheckpointDelay, InProgress, before it goes on.
- Alarms (AlarmSpecification, at most 10): one in ALARM while the refresh is in progress fails it,
  and it rolls back with AutoRollback (instance-refresh-rollback.html: "if any CloudWatch alarms you
  specify go into the ALARM state").
Not modelled: a last checkpoint below 100 (tuesday refuses it), bake time, standby and
protected-instance preferences.
"""

import math
import uuid

import autoscaling
import warm_pools
from targets import FailingChecks

ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress")


class Refresh:
    def __init__(self, group, preferences, desired, clock):
        self.id = str(uuid.uuid4())
        self.group = group
        self.preferences = preferences
        self.desired = desired  # {"LaunchTemplateId"|"LaunchTemplateName", "Version"} or None
        self.status = "Pending"
        self.reason = None
        self.started = clock.datetime()
        self.ended = None
        self.previous = (group.ec2_launch_template, group.launch_template_version)
        self.launched = set()
        self.to_replace = [s.instance.id for s in autoscaling.in_capacity(group) if not self._matches(s)]
        self.total = len(self.to_replace)
        self.checkpoints = list(preferences.get("CheckpointPercentages") or [])
        self.paused_until = None

    def _matches(self, state):
        if not self.preferences.get("SkipMatching"):
            return False
        template, version = self._configuration()
        return state.launch_template_version == autoscaling._version_in_use_of(template, version) and (
            template is None or template.id == self.group.ec2_launch_template.id
        )

    def _configuration(self):
        if self.status == "RollbackInProgress" or not self.desired:
            return self.previous
        backend = self.group.autoscaling_backend.ec2_backend
        template = backend.get_launch_template(self.desired["LaunchTemplateId"]) if self.desired.get("LaunchTemplateId") else backend.get_launch_template_by_name(self.desired["LaunchTemplateName"])
        return template, self.desired.get("Version") or "$Default"

    def describe(self):
        described = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group.name,
            "Status": self.status,
            "StartTime": self.started,
            "PercentageComplete": self.percentage(),
            "InstancesToUpdate": len(self.to_replace),
            "Preferences": self.preferences,
        }
        if self.reason:
            described["StatusReason"] = self.reason
        if self.ended:
            described["EndTime"] = self.ended
        if self.desired:
            described["DesiredConfiguration"] = {"LaunchTemplate": self.desired}
        return described

    def replaced(self):
        return self.total - len(self.to_replace)

    def replaceable(self):
        """How many may be replaced before the next checkpoint is reached: all without one."""
        if self.status == "RollbackInProgress" or not self.checkpoints:
            return self.total
        return math.ceil(self.total * float(self.checkpoints[0]) / 100)

    def percentage(self):
        if self.total == 0:
            return 100
        return int(100 * (self.total - len(self.to_replace)) / self.total)


def _refreshes(group):
    if not hasattr(group, "instance_refreshes"):
        group.instance_refreshes = []
    return group.instance_refreshes


def active(group):
    return next((r for r in _refreshes(group) if r.status in ACTIVE), None)


def advance(group, clock):
    """Moves the group's active refresh on as far as the clock allows."""
    refresh = active(group)
    if refresh is None:
        return
    if refresh.status == "Cancelling":
        return _end(refresh, "Cancelled", clock)
    refresh.status = "InProgress" if refresh.status == "Pending" else refresh.status
    if refresh.status == "InProgress":
        firing = _alarms_firing(group, refresh)
        if firing:
            return _fail(refresh, clock, f"Alarm {firing[0]} is in ALARM state")
    warmup = float(refresh.preferences.get("InstanceWarmup") or group.health_check_grace_period or 0)

    def healthy(state):
        return state.lifecycle_state == "InService" and clock.now() >= state.ready_at + (warmup if state.instance.id in refresh.launched else 0)

    for state in autoscaling.in_capacity(group):
        if state.instance.id in refresh.launched and healthy(state) and state.instance.id in FailingChecks.instances:
            return _fail(refresh, clock, "Instances failed to pass their load balancer health checks")
    if refresh.paused_until is not None:
        if clock.now() < refresh.paused_until:
            return
        refresh.paused_until = None
        refresh.reason = None

    capacity = group.desired_capacity or 0
    min_healthy = math.ceil(capacity * float(refresh.preferences.get("MinHealthyPercentage", 90)) / 100)
    max_total = math.floor(capacity * float(refresh.preferences.get("MaxHealthyPercentage", 100)) / 100)
    while True:
        states = autoscaling.in_capacity(group)
        old = [s for s in states if s.instance.id in refresh.to_replace]
        new = [s for s in states if s.instance.id in refresh.launched]
        # The group ends with `capacity` new instances; never more than MaxHealthy% in all, nor more
        # than the next checkpoint lets be replaced.
        wanted = min(capacity - len(new), max(max_total, capacity) - len(states), refresh.replaceable() - len(new))
        if wanted > 0 and (old or len(states) < capacity):
            _launch(group, refresh, wanted)
            continue
        healthy_now = sum(1 for s in states if healthy(s))
        # From the zone that holds the most, as the default termination policy picks, so that the
        # group stays balanced (and AZRebalance has nothing to undo).
        per_zone = {}
        for state in states:
            per_zone[state.availability_zone] = per_zone.get(state.availability_zone, 0) + 1
        old.sort(key=lambda s: -per_zone[s.availability_zone])
        leaving = next((s for s in old if healthy_now - (1 if healthy(s) else 0) >= min_healthy), None)
        if leaving is None or refresh.replaced() >= refresh.replaceable():
            break
        refresh.to_replace.remove(leaving.instance.id)
        autoscaling.terminate(group, leaving, clock)
    at_checkpoint = refresh.status == "InProgress" and refresh.checkpoints and refresh.to_replace
    if at_checkpoint and refresh.replaced() >= refresh.replaceable():
        if all(healthy(s) for s in autoscaling.in_capacity(group)):
            reached = refresh.checkpoints.pop(0)
            delay = float(refresh.preferences.get("CheckpointDelay", 3600))
            refresh.paused_until = clock.now() + delay
            refresh.reason = f"Waiting {int(delay)} s at the checkpoint of {reached}%"
        return
    if not refresh.to_replace and all(healthy(s) for s in autoscaling.in_capacity(group)):
        if refresh.status == "RollbackInProgress":
            _end(refresh, "RollbackSuccessful", clock)
        else:
            if refresh.desired:
                group.ec2_launch_template, group.launch_template_version = refresh._configuration()
                group.provided_launch_template_version = group.launch_template_version
            # The warm pool's instances are replaced too: the pool refills from the new configuration.
            stale = warm_pools.pool(group)
            if stale:
                group.autoscaling_backend.ec2_backend.terminate_instances([s.instance.id for s in stale])
                group.warm_pool_instances = []
            _end(refresh, "Successful", clock)


def _alarms_firing(group, refresh):
    """The refresh's alarms that are in ALARM now."""
    from moto.cloudwatch.models import cloudwatch_backends

    names = (refresh.preferences.get("AlarmSpecification") or {}).get("Alarms") or []
    if not names:
        return []
    backend = group.autoscaling_backend
    alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]


def _launch(group, refresh, count):
    """Launches `count` instances from the refresh's configuration."""
    template, version = refresh._configuration()
    kept = (group.ec2_launch_template, group.launch_template_version)
    group.ec2_launch_template, group.launch_template_version = template, version
    group.leaving = set(refresh.to_replace)
    before = {s.instance.id for s in group.instance_states}
    try:
        group.launch(count)
    finally:
        group.ec2_launch_template, group.launch_template_version = kept
        group.leaving = set()
    refresh.launched |= {s.instance.id for s in group.instance_states} - before


def _fail(refresh, clock, reason):
    refresh.reason = reason
    if refresh.preferences.get("AutoRollback") and refresh.desired:
        _roll_back(refresh)
    else:
        _end(refresh, "Failed", clock)


def _roll_back(refresh):
    refresh.status = "RollbackInProgress"
    current = {s.instance.id for s in autoscaling.in_capacity(refresh.group)}
    refresh.to_replace = [i for i in refresh.launched if i in current]
    refresh.total = len(refresh.to_replace)
    refresh.launched = set()
    FailingChecks.instances.difference_update(refresh.to_replace)


def _end(refresh, status, clock):
    refresh.status = status
    refresh.ended = clock.datetime()


def _validate(group, preferences, desired, ValidationError):
    minimum = preferences.get("MinHealthyPercentage", 90)
    maximum = preferences.get("MaxHealthyPercentage", 100)
    if not 0 <= minimum <= 100:
        raise ValidationError("MinHealthyPercentage must be between 0 and 100.")
    if not 100 <= maximum <= 200:
        raise ValidationError("MaxHealthyPercentage must be between 100 and 200.")
    if maximum - minimum > 100:
        raise ValidationError("The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.")
    if minimum == 100 and maximum == 100:
        raise ValidationError("MaxHealthyPercentage must be greater than 100 when MinHealthyPercentage is 100.")
    checkpoints = preferences.get("CheckpointPercentages") or []
    if any(not 1 <= int(p) <= 100 for p in checkpoints) or any(a >= b for a, b in zip(checkpoints, checkpoints[1:])):
        raise ValidationError("CheckpointPercentages must be unique values between 1 and 100, in ascending order.")
    if "CheckpointDelay" in preferences and not checkpoints:
        raise ValidationError("CheckpointDelay cannot be specified without CheckpointPercentages.")
    if len((preferences.get("AlarmSpecification") or {}).get("Alarms") or []) > 10:
        raise ValidationError("AlarmSpecification can specify at most 10 alarms.")
    if preferences.get("AutoRollback"):
        if not desired:
            raise ValidationError("AutoRollback parameter cannot be set to true when the DesiredConfiguration parameter is empty")
        if str(desired.get("Version") or "$Default") in ("$Latest", "$Default"):
            raise ValidationError("Rollback is not supported for a desired configuration with launch template version $Latest or $Default.")
        if getattr(group, "launch_template_version", None) in ("$Latest", "$Default"):
            raise ValidationError("Rollback is not supported for an Auto Scaling group that uses launch template version $Latest or $Default.")


def install(clock):
    from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    def group_of(response):
        name = response._get_param("AutoScalingGroupName")
        group = response.autoscaling_backend.autoscaling_groups.get(name)
        if group is None:
            raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")
        return group

    def start_instance_refresh(self):
        group = group_of(self)
        if self._get_param("Strategy", "Rolling") != "Rolling":
            raise ValidationError("Strategy must be Rolling.")
        preferences = self._get_param("Preferences") or {}
        desired = (self._get_param("DesiredConfiguration") or {}).get("LaunchTemplate")
        _validate(group, preferences, desired, ValidationError)
        if active(group) is not None:
            raise AutoscalingClientError("InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
        refresh = Refresh(group, preferences, desired, clock)
        _refreshes(group).append(refresh)
        return ActionResult({"InstanceRefreshId": refresh.id})

    def describe_instance_refreshes(self):
        group = group_of(self)
        ids = self._get_param("InstanceRefreshIds") or []
        found = [r.describe() for r in reversed(_refreshes(group)) if not ids or r.id in ids]
        return ActionResult({"InstanceRefreshes": found})

    def cancel_instance_refresh(self):
        refresh = active(group_of(self))
        if refresh is None:
            raise AutoscalingClientError("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group")
        refresh.status = "Cancelling"
        return ActionResult({"InstanceRefreshId": refresh.id})

    def rollback_instance_refresh(self):
        refresh = active(group_of(self))
        if refresh is None:
            raise AutoscalingClientError("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group")
        if not refresh.desired:
            raise ValidationError("Rollback is not supported for an instance refresh without a DesiredConfiguration.")
        refresh.reason = "Rollback requested"
        _roll_back(refresh)
        return ActionResult({"InstanceRefreshId": refresh.id})

    AutoScalingResponse.start_instance_refresh = start_instance_refresh
    AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
    AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh
    AutoScalingResponse.rollback_instance_refresh = rollback_instance_refresh
