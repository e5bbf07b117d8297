"""EC2 Auto Scaling as AWS documents it, over moto's Auto Scaling backend. Time is the virtual clock.

- Launches are balanced across the group's zones: each new instance goes to the zone with the
  fewest, and a zone that cannot launch (a fault) is skipped, leaving capacity short
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html#arch-AutoScalingMultiAZ).
- A new instance is Pending while it boots (the group's tag `tuesday:emulator:boot-seconds`, read
  at launch; default five minutes, as a Windows instance takes), then InService; an attached
  instance is already running and goes InService at once
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html).
- Each instance remembers the launch template version it was launched from
  (DescribeAutoScalingInstances' LaunchTemplate.Version).
- UpdateAutoScalingGroup changes only what it is given: a group's mixed instances policy stays
  unless the update names another launch source.
- Desired capacity must lie within [MinSize, MaxSize], and a decrement below MinSize is refused
  (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetDesiredCapacity.html,
  API_UpdateAutoScalingGroup.html, API_TerminateInstanceInAutoScalingGroup.html).
- Scale-in picks its instances as AWS does: from the zone with the most instances first, then by the
  group's termination policies in order, scale-in-protected instances skipped
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html).
- The group registers the instances it launches with its target groups and Classic Load Balancers,
  and registers a group's instances when one is attached; it never registers again one someone
  deregistered.
  An instance it terminates is deregistered first, and stays Terminating while it drains (the
  target groups' deregistration delay)
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html).
- An instance marked Unhealthy (SetInstanceHealth, or for a group with HealthCheckType ELB, failing
  its target group's checks once its HealthCheckGracePeriod is over) is terminated and replaced from
  the group's current template, unless ReplaceUnhealthy, Launch or Terminate is suspended; with
  HealthCheck suspended the group no longer marks instances itself
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html,
  .../health-check-grace-period.html, .../understand-how-suspending-processes-affects-other-processes.html).
  Launch suspended: no instance is launched; Terminate suspended: scale-in terminates none;
  AddToLoadBalancer suspended: new instances are not registered.
- AZRebalance: a group whose zones differ by more than one instance launches in the emptiest zone,
  then, once that instance is in service, terminates in the fullest (by its termination policies),
  until they do not, unless AZRebalance, Launch or Terminate is suspended
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html#AutoScalingBehavior.InstanceUsage).
  What happens on the clock is done when the emulator is next asked anything: no one can tell the
  difference.
- Lifecycle hooks on launch and termination: lifecycle_hooks.py; instance refresh:
  instance_refresh.py; warm pools: warm_pools.py; a faster boot from an image with EC2 Fast
  Launch: fast_launch.py; an image taken from an SSM parameter (`resolve:ssm:`): image_parameters.py.
- A mixed instances policy launches its first (prioritized) override's instance type, from the
  override's own launch template when it names one
  (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html).
- Scheduled actions and alarm-driven scaling policies: scaling_triggers.py.
- A launch past the account's vCPU quota: quotas.py.
Not modelled yet: mixed instances weights, spot and allocation strategies.
"""

import contextlib
import copy
import threading

import classic_elb
import fast_launch
import image_parameters
import lifecycle_hooks
import quotas
import traffic_sources
import scaling_triggers
import warm_pools

BOOT_TAG = "tuesday:emulator:boot-seconds"
DEFAULT_BOOT_SECONDS = 300
IN_CAPACITY = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")


class Zones:
    """Zones that cannot launch instances now (a fault a test injects): for every group, or for one
    group only, so tests sharing the emulator do not take each other's faults."""

    down = set()
    down_for = set()  # (group name, zone)

    @classmethod
    def is_down(cls, group, zone):
        return zone in cls.down or (group.name, zone) in cls.down_for


def install(clock):
    from moto.autoscaling import models
    from moto.autoscaling.exceptions import ValidationError

    _instances_boot_on_the_clock(models, clock)
    _capacity_follows_aws(models, clock)
    _validation_as_aws(models, ValidationError, clock)
    _target_groups_as_aws(models)
    _unhealthy_instances_replaced(models, clock)
    lifecycle_hooks.install(clock)
    warm_pools.install(models, clock)
    traffic_sources.install(in_capacity, register_with_target_groups)
    scaling_triggers.install()
    _responses_as_aws()


def _responses_as_aws():
    """PutScalingPolicy answers PolicyARN (moto named it PolicyArn, which the SDK never sees)."""
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    put_scaling_policy = AutoScalingResponse.put_scaling_policy

    def put_scaling_policy_answering_its_arn(self):
        put_scaling_policy(self)
        policy = self.autoscaling_backend.policies[self._get_param("PolicyName")]
        return ActionResult({"PolicyARN": policy.arn, "Alarms": []})

    AutoScalingResponse.put_scaling_policy = put_scaling_policy_answering_its_arn


def suspended(group, process):
    return process in {p["ProcessName"] for p in group.suspended_processes}


def boot_seconds(group):
    for tag in group.tags:
        if tag.get("Key") == BOOT_TAG:
            return float(tag.get("Value") or 0)
    return DEFAULT_BOOT_SECONDS


def in_capacity(group):
    return [state for state in group.instance_states if state.lifecycle_state in IN_CAPACITY]


def _instances_boot_on_the_clock(models, clock):
    InstanceState = models.InstanceState
    init = InstanceState.__init__

    def init_booting(self, instance, lifecycle_state="InService", *args, **kwargs):
        self.launched_at = clock.now()
        self.boot_seconds = 0.0
        init(self, instance, lifecycle_state, *args, **kwargs)
        template = getattr(self.auto_scaling_group, "ec2_launch_template", None)
        self.launch_template_ids = (template.id, template.name) if template is not None else None
        self.launch_template_version = _version_in_use(self.auto_scaling_group)
        self.launch_configuration = getattr(self.auto_scaling_group, "launch_config_name", None)

    def lifecycle(self):
        state = self.__dict__.get("_lifecycle_state", "InService")
        if state == "InService" and clock.now() < self.launched_at + self.boot_seconds:
            return "Pending"
        return state

    def set_lifecycle(self, state):
        self.__dict__["_lifecycle_state"] = state

    def launch_template(self):
        if self.launch_template_ids is None:
            return None
        template_id, name = self.launch_template_ids
        return {"LaunchTemplateId": template_id, "LaunchTemplateName": name, "Version": self.launch_template_version}

    InstanceState.__init__ = init_booting
    InstanceState.lifecycle_state = property(lifecycle, set_lifecycle)
    InstanceState.launch_template = property(launch_template)
    InstanceState.ready_at = property(lambda self: self.launched_at + self.boot_seconds)
    # A group with a mixed instances policy describes its template there only, not as LaunchTemplate
    # (API_AutoScalingGroup.html); moto described both, the top one with no version.
    plain_template = models.FakeAutoScalingGroup.launch_template
    models.FakeAutoScalingGroup.launch_template = property(
        lambda self: None if self.mixed_instances_policy else plain_template.fget(self)
    )
    models.FakeAutoScalingGroup.active_instances = lambda self: [
        s for s in self.instance_states if s.lifecycle_state == "InService"
    ]


def _version_in_use(group):
    """The version number the group launches now: $Default, $Latest or a pinned one."""
    if group is None or group.ec2_launch_template is None:
        return None
    return _version_in_use_of(group.ec2_launch_template, getattr(group, "launch_template_version", None))


def _version_in_use_of(template, wanted):
    if template is None:
        return None
    wanted = str(wanted or "$Default")
    if wanted == "$Latest":
        return str(template.latest_version_number)
    if wanted == "$Default":
        return str(template.default_version_number)
    return wanted


def _capacity_follows_aws(models, clock):
    from moto.ec2.exceptions import EC2ClientError

    Group = models.FakeAutoScalingGroup

    def set_desired_capacity(self, new_capacity):
        self.desired_capacity = self.min_size if new_capacity is None else new_capacity
        # An instance AZRebalance launched is above the desired capacity until it terminates one in
        # the fullest zone: "can temporarily exceed the specified maximum capacity"
        # (auto-scaling-benefits.html#AutoScalingBehavior.InstanceUsage).
        rebalancing = getattr(self, "rebalancing", {})
        counted = [s for s in in_capacity(self) if s.instance.id not in rebalancing]
        delta = (self.desired_capacity or 0) - len(counted)
        if delta > 0 and not suspended(self, "Launch"):
            launch(self, delta)
        elif delta < 0 and not suspended(self, "Terminate"):
            for state in scale_in_choices(self, -delta, clock):
                terminate(self, state, clock)

    def replace_autoscaling_group_instances(self, count_needed, propagated_tags):
        launch(self, count_needed)

    Group.set_desired_capacity = set_desired_capacity
    Group.replace_autoscaling_group_instances = replace_autoscaling_group_instances

    def launch(group, count):
        tags = group.get_propagated_tags()
        tags[models.ASG_NAME_TAG] = group.name
        tags.update(group.instance_tags)
        subnets = _subnets_by_zone(group)
        boot = boot_seconds(group)
        for state in warm_pools.take(group, count):
            count -= 1
            state.launched_at = clock.now()
            join(group, state, boot)
        for _ in range(count):
            zone = _emptiest_zone(group, subnets)
            if zone is None:
                return  # no zone can launch: capacity stays short, as on AWS
            with _override(group) as instance_type:
                try:
                    reservation = _run_one(group, zone, subnets, tags, instance_type)
                except EC2ClientError as error:
                    if error.code != "VcpuLimitExceeded":
                        raise
                    quotas.refused(group, error, clock)
                    return  # capacity stays short until a launch within the quota succeeds
                instance = reservation.instances[0]
                instance.autoscaling_group = group
                state = models.InstanceState(instance, protected_from_scale_in=group.new_instances_protected_from_scale_in)
            join(group, state, fast_launch.boot(instance.image_id, boot, clock))

    def join(group, state, boot):
        """A launched instance joins the group: it boots, waits for its launch hook, is registered."""
        state.boot_seconds = boot
        group.instance_states.append(state)
        lifecycle_hooks.wait_at_launch(group, state, clock, lambda s: replace(group, s, clock), put_in_service)
        if state.lifecycle_state != "Pending:Wait":
            put_in_service(group, state)

    def _run_one(group, zone, subnets, tags, instance_type):
        template = {"LaunchTemplateId": group.ec2_launch_template.id} if group.ec2_launch_template else None
        backend = group.autoscaling_backend
        return backend.ec2_backend.run_instances(
            image_parameters.resolve(group.image_id, backend.account_id, backend.region_name),
            1,
            group.user_data,
            group.security_groups,
            instance_type=instance_type,
            tags={"instance": dict(tags)},
            placement=zone,
            launch_config=group.launch_config,
            launch_template=template,
            is_instance_type_default=False,
            associate_public_ip=group.launch_config.associate_public_ip_address if group.launch_config else None,
            subnet_id=subnets.get(zone),
        )

    Group.launch = launch


@contextlib.contextmanager
def _override(group):
    """The instance type to launch, and for a mixed instances policy whose first (prioritized)
    override names its own launch template, that template in place of the group's meanwhile."""
    overrides = ((group.mixed_instances_policy or {}).get("LaunchTemplate") or {}).get("Overrides") or []
    first = overrides[0] if overrides else {}
    spec = first.get("LaunchTemplateSpecification")
    if not spec:
        yield first.get("InstanceType") or group.instance_type
        return
    ec2 = group.autoscaling_backend.ec2_backend
    template = ec2.get_launch_template(spec["LaunchTemplateId"]) if spec.get("LaunchTemplateId") else ec2.get_launch_template_by_name(spec["LaunchTemplateName"])
    kept = (group.ec2_launch_template, group.launch_template_version)
    group.ec2_launch_template, group.launch_template_version = template, spec.get("Version") or "$Default"
    try:
        yield first.get("InstanceType") or group.instance_type
    finally:
        group.ec2_launch_template, group.launch_template_version = kept


def _subnets_by_zone(group):
    """Zone -> subnet, in the group's order (or its zones, without a VPC)."""
    if not group.vpc_zone_identifier:
        return {zone: None for zone in group.availability_zones}
    ids = [s for s in group.vpc_zone_identifier.split(",") if s]
    subnets = {s.id: s for s in group.autoscaling_backend.ec2_backend.describe_subnets(subnet_ids=ids)}
    return {subnets[i].availability_zone: i for i in ids if i in subnets}


def _emptiest_zone(group, subnets):
    counts = {zone: 0 for zone in subnets if not Zones.is_down(group, zone)}
    if not counts:
        return None
    # Instances about to be replaced (an instance refresh's) do not hold their zone: the replacement
    # goes where the group will be emptiest once they have gone, so the group ends balanced.
    leaving = getattr(group, "leaving", ())
    for state in in_capacity(group):
        if state.availability_zone in counts and state.instance.id not in leaving:
            counts[state.availability_zone] += 1
    return min(counts, key=lambda zone: (counts[zone], list(subnets).index(zone)))


def scale_in_choices(group, count, clock):
    """The `count` instances AWS would terminate: zone balance first, then the termination policies."""
    chosen = []
    candidates = [s for s in in_capacity(group) if not s.protected_from_scale_in]
    for _ in range(count):
        if not candidates:
            break
        per_zone = {}
        for state in in_capacity(group):
            if state not in chosen:
                per_zone[state.availability_zone] = per_zone.get(state.availability_zone, 0) + 1
        zones = sorted({s.availability_zone for s in candidates}, key=lambda z: -per_zone.get(z, 0))
        fullest = [s for s in candidates if per_zone.get(s.availability_zone, 0) == per_zone.get(zones[0], 0)]
        pick = _by_termination_policies(group, fullest, clock)
        chosen.append(pick)
        candidates.remove(pick)
    return chosen


def _by_termination_policies(group, states, clock):
    for policy in list(group.termination_policies or []) + ["Default"]:
        if len(states) == 1:
            break
        if policy == "Default":
            # Default: oldest launch template or configuration, then closest to the next instance
            # hour, then at random (here: the lowest id, so that a run repeats).
            states = _keep_best(states, lambda s: _template_age(group, s))
            now = clock.now()
            states = _keep_best(states, lambda s: _to_next_hour(s, now))
            break
        if policy == "OldestInstance":
            states = _keep_best(states, lambda s: s.launched_at)
        elif policy == "NewestInstance":
            states = _keep_best(states, lambda s: -s.launched_at)
        elif policy in ("OldestLaunchTemplate", "OldestLaunchConfiguration"):
            states = _keep_best(states, lambda s: _template_age(group, s))
        elif policy == "ClosestToNextInstanceHour":
            now = clock.now()
            states = _keep_best(states, lambda s: _to_next_hour(s, now))
        # AllocationStrategy applies to mixed instances policies only; nothing to narrow here.
    return min(states, key=lambda s: s.instance.id)


def _keep_best(states, key):
    keys = {id(s): key(s) for s in states}
    best = min(keys.values())
    return [s for s in states if keys[id(s)] == best]


def _to_next_hour(state, now):
    """Seconds until the instance's next billing hour (a long-settled one counts from zero)."""
    age = now - state.launched_at if state.launched_at != float("-inf") else 0.0
    return 3600 - age % 3600


def _template_age(group, state):
    """Lower is older: an instance of another template or configuration, then of an older version."""
    if group.ec2_launch_template is not None:
        version = state.launch_template_version
        return int(version) if version and str(version).isdigit() else 0
    return 0 if getattr(state, "launch_configuration", None) != group.launch_config_name else 1


def put_in_service(group, state):
    """The instance is done with its launch hook (if any): the group registers it with its target
    groups and Classic Load Balancers."""
    if not suspended(group, "AddToLoadBalancer"):
        register_with_target_groups(group, [state.instance.id])
        classic_elb.register_with_load_balancers(group, [state.instance.id])


def terminate(group, state, clock):
    """The group terminates one instance: out of its target groups and load balancers, Terminating
    while they drain it (the longest deregistration delay of those it was in), through its terminate
    hook if it has one, then terminated."""
    backend = group.autoscaling_backend
    drain = 0.0
    for arn in traffic_sources.target_groups(group):
        target_group = backend.elbv2_backend.target_groups.get(arn)
        if target_group is not None and state.instance.id in target_group.targets:
            target_group.deregister([{"Id": state.instance.id}])
            drain = max(drain, float(target_group.attributes.get("deregistration_delay.timeout_seconds", 300)))
    classic_elb.deregister_from_load_balancers(group, [state.instance.id])

    def finish(state):
        backend.ec2_backend.terminate_instances([state.instance.id])
        group.instance_states = [s for s in group.instance_states if s is not state]

    def after_draining(state):
        if not lifecycle_hooks.wait_at_termination(group, state, clock, finish):
            finish(state)

    if drain > 0:
        state.lifecycle_state = "Terminating"
        _draining(group)[state.instance.id] = (clock.now() + drain, state, after_draining)
    else:
        after_draining(state)


def _draining(group):
    if not hasattr(group, "draining_terminations"):
        group.draining_terminations = {}  # instance id -> (until, state, then)
    return group.draining_terminations


def finish_drained(group, clock):
    for instance_id, (until, state, then) in list(_draining(group).items()):
        if clock.now() >= until:
            del _draining(group)[instance_id]
            then(state)


def replace(group, state, clock):
    """Terminates an instance and launches another in its place (desired capacity unchanged)."""
    terminate(group, state, clock)
    group.set_desired_capacity(group.desired_capacity)


def register_with_target_groups(group, instance_ids, target_group_arns=None):
    """Registers `instance_ids` with the group's target groups (or only `target_group_arns`)."""
    backend = group.autoscaling_backend
    for arn in traffic_sources.target_groups(group) if target_group_arns is None else target_group_arns:
        target_group = backend.elbv2_backend.target_groups.get(arn)
        if target_group is not None:
            target_group.register([{"Id": i, "Port": target_group.port} for i in instance_ids])


def _validation_as_aws(models, ValidationError, clock):
    Backend = models.AutoScalingBackend

    def check_range(desired, minimum, maximum):
        if minimum is not None and maximum is not None and minimum > maximum:
            raise ValidationError(f"Min size {minimum} must be less than or equal to max size {maximum}")
        if desired is None:
            return
        if maximum is not None and desired > maximum:
            raise ValidationError(f"Desired capacity:{desired} must be between the specified min size:{minimum} and max size:{maximum}")
        if minimum is not None and desired < minimum:
            raise ValidationError(f"Desired capacity:{desired} must be between the specified min size:{minimum} and max size:{maximum}")

    set_desired = Backend.set_desired_capacity

    def set_desired_capacity(self, group_name, desired_capacity):
        group = self.autoscaling_groups.get(group_name)
        if group is not None and desired_capacity is not None:
            if desired_capacity > group.max_size:
                raise ValidationError(f"New SetDesiredCapacity value {desired_capacity} is above max value {group.max_size} for the AutoScalingGroup.")
            if desired_capacity < group.min_size:
                raise ValidationError(f"New SetDesiredCapacity value {desired_capacity} is below min value {group.min_size} for the AutoScalingGroup.")
        set_desired(self, group_name, desired_capacity)

    update = Backend.update_auto_scaling_group

    def update_auto_scaling_group(self, name, *args, **kwargs):
        group = self.autoscaling_groups.get(name)
        if group is not None:
            minimum = kwargs.get("min_size") if kwargs.get("min_size") is not None else group.min_size
            maximum = kwargs.get("max_size") if kwargs.get("max_size") is not None else group.max_size
            desired = kwargs.get("desired_capacity")
            check_range(desired if desired is not None else None, minimum, maximum)
            if desired is None and not (minimum <= (group.desired_capacity or 0) <= maximum):
                # AWS moves desired into the new range rather than refusing.
                kwargs["desired_capacity"] = min(max(group.desired_capacity or 0, minimum), maximum)
            # A parameter not given is not changed (API_UpdateAutoScalingGroup.html); moto dropped
            # the mixed instances policy of every update that did not name one.
            names_a_source = kwargs.get("launch_config_name") or kwargs.get("launch_template") or kwargs.get("mixed_instances_policy")
            if not names_a_source and group.mixed_instances_policy:
                kept = copy.deepcopy(group.mixed_instances_policy)
                spec = kept.get("LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
                if spec.get("LaunchTemplateId"):
                    spec.pop("LaunchTemplateName", None)  # moto adds it, then refuses a spec with both
                kwargs["mixed_instances_policy"] = kept
        return update(self, name, *args, **kwargs)

    create = Backend.create_auto_scaling_group

    def create_auto_scaling_group(self, name, *args, **kwargs):
        to_int = lambda v: None if v is None or v == "" else int(v)
        desired = to_int(kwargs.get("desired_capacity"))
        check_range(desired, to_int(kwargs.get("min_size")), to_int(kwargs.get("max_size")))
        return create(self, name, *args, **kwargs)

    def terminate_instance_in_group(self, instance_id, should_decrement):
        group = next(
            (g for g in self.autoscaling_groups.values() if any(s.instance.id == instance_id for s in g.instance_states)),
            None,
        )
        if group is None:
            raise ValidationError(f"Instance Id not found - No managed instance found for instance ID: {instance_id}")
        if should_decrement and (group.desired_capacity or 0) - 1 < group.min_size:
            raise ValidationError(
                f"Currently, desiredSize equals minSize ({group.min_size}). Terminating instance without replacement "
                "will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false "
                "or lower group's min size."
            )
        state = next(s for s in group.instance_states if s.instance.id == instance_id)
        original = group.desired_capacity
        if should_decrement:
            group.desired_capacity -= 1
        terminate(group, state, clock)
        group.set_desired_capacity(group.desired_capacity)
        return models.TerminateInstanceActivity(state.instance, original)

    detach = Backend.detach_instances

    def detach_instances(self, group_name, instance_ids, should_decrement):
        group = self.autoscaling_groups.get(group_name)
        if group is not None and should_decrement and (group.desired_capacity or 0) - len(instance_ids) < group.min_size:
            raise ValidationError(
                f"Currently, desiredSize equals minSize ({group.min_size}). Detaching instance without replacement "
                "will violate group's min size constraint."
            )
        return detach(self, group_name, instance_ids, should_decrement)

    delete = Backend.delete_auto_scaling_group

    def delete_auto_scaling_group(self, group_name):
        # Deleting (with ForceDelete) terminates every instance at once, whatever MinSize says.
        group = self.autoscaling_groups.get(group_name)
        if group is not None:
            group.min_size = 0
            for state in list(group.instance_states):
                self.ec2_backend.terminate_instances([state.instance.id])
            group.instance_states = []
        delete(self, group_name)

    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import EmptyResult

    def delete_unless_in_use(self):
        name = self._get_param("AutoScalingGroupName")
        group = self.autoscaling_backend.autoscaling_groups.get(name)
        if group is not None and group.instance_states and not self._get_bool_param("ForceDelete", False):
            raise models.AutoscalingClientError(
                "ResourceInUse",
                "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance requests in the group.",
            )
        self.autoscaling_backend.delete_auto_scaling_group(name)
        return EmptyResult()

    AutoScalingResponse.delete_auto_scaling_group = delete_unless_in_use

    Backend.delete_auto_scaling_group = delete_auto_scaling_group
    Backend.set_desired_capacity = set_desired_capacity
    Backend.update_auto_scaling_group = update_auto_scaling_group
    Backend.create_auto_scaling_group = create_auto_scaling_group
    Backend.terminate_instance = terminate_instance_in_group
    Backend.detach_instances = detach_instances


def _target_groups_as_aws(models):
    Backend = models.AutoScalingBackend

    # moto registered every instance of the group on every change: a deregistered instance came back.
    Backend.update_attached_target_groups = lambda self, group_name: None
    Backend.update_attached_elbs = lambda self, group_name: None

    attach_load_balancers = Backend.attach_load_balancers

    def attach_load_balancers_registering(self, group_name, load_balancer_names):
        attach_load_balancers(self, group_name, load_balancer_names)
        group = self.autoscaling_groups[group_name]
        ids = [s.instance.id for s in in_capacity(group)]
        classic_elb.register_with_load_balancers(group, ids, load_balancer_names)

    Backend.attach_load_balancers = attach_load_balancers_registering

    attach_instances = Backend.attach_instances

    def attach_instances_registering(self, group_name, instance_ids):
        attach_instances(self, group_name, instance_ids)
        group = self.autoscaling_groups[group_name]
        register_with_target_groups(group, instance_ids)
        classic_elb.register_with_load_balancers(group, instance_ids)

    attach_target_groups = Backend.attach_load_balancer_target_groups

    def attach_target_groups_registering(self, group_name, target_group_arns):
        attach_target_groups(self, group_name, target_group_arns)
        group = self.autoscaling_groups[group_name]
        ids = [s.instance.id for s in in_capacity(group)]
        register_with_target_groups(group, ids, target_group_arns)

    Backend.attach_instances = attach_instances_registering
    Backend.attach_load_balancer_target_groups = attach_target_groups_registering

    # An instance put in Standby is deregistered from the group's target groups and Classic Load
    # Balancers (drained as any deregistration is); one that exits Standby is registered again
    # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-enter-exit-standby.html).
    enter_standby = Backend.enter_standby_instances

    def enter_standby_deregistering(self, group_name, instance_ids, should_decrement):
        group = self.autoscaling_groups[group_name]
        if should_decrement and (group.desired_capacity or 0) - len(instance_ids) < group.min_size:
            from moto.autoscaling.exceptions import ValidationError

            raise ValidationError(
                "The instances could not enter standby: the desired capacity would fall below the group's minimum "
                f"size ({group.min_size}). Lower the minimum, or do not decrement the desired capacity."
            )
        activities = enter_standby(self, group_name, instance_ids, should_decrement)
        for arn in traffic_sources.target_groups(group):
            target_group = self.elbv2_backend.target_groups.get(arn)
            if target_group is not None:
                target_group.deregister([{"Id": i} for i in instance_ids if i in target_group.targets])
        classic_elb.deregister_from_load_balancers(group, instance_ids)
        return activities

    exit_standby = Backend.exit_standby_instances

    def exit_standby_registering(self, group_name, instance_ids):
        activities = exit_standby(self, group_name, instance_ids)
        group = self.autoscaling_groups[group_name]
        register_with_target_groups(group, instance_ids)
        classic_elb.register_with_load_balancers(group, instance_ids)
        return activities

    Backend.enter_standby_instances = enter_standby_deregistering
    Backend.exit_standby_instances = exit_standby_registering


def settle(group_name):
    """A fleet that has run for weeks: its instances booted and healthy in its target groups and
    Classic Load Balancers long ago (for the tests' and the demo's fleets, created just before they
    are patched)."""
    from moto.autoscaling.models import autoscaling_backends

    for backends in autoscaling_backends.values():
        for backend in backends.values():
            group = backend.autoscaling_groups.get(group_name)
            if group is None:
                continue
            for state in group.instance_states:
                state.launched_at = float("-inf")
            for arn in traffic_sources.target_groups(group):
                target_group = backend.elbv2_backend.target_groups.get(arn)
                for state in group.instance_states if target_group is not None else []:
                    if state.instance.id in getattr(target_group, "registered_at", {}):
                        target_group.registered_at[state.instance.id] = float("-inf")
            for name in traffic_sources.load_balancers(group):
                balancer = backend.elb_backend.get_load_balancer(name)
                for state in group.instance_states if balancer is not None else []:
                    if state.instance.id in getattr(balancer, "registered_at", {}):
                        balancer.registered_at[state.instance.id] = float("-inf")
            return {"settled": len(group.instance_states)}
    raise KeyError(f"no group {group_name}")


def _unhealthy_instances_replaced(models, clock):
    from moto.core.responses import BaseResponse

    lock = threading.Lock()

    import instance_refresh

    instance_refresh.install(clock)

    def reconcile():
        with lock:
            for backends in models.autoscaling_backends.values():
                for backend in backends.values():
                    for group in list(backend.autoscaling_groups.values()):
                        finish_drained(group, clock)
                        lifecycle_hooks.expire(group, clock)
                        replace_unhealthy(group)
                        instance_refresh.advance(group, clock)
                        rebalance(group)
                        warm_pools.fill(group, models, clock)
                        scaling_triggers.run_scheduled_actions(backend, group, clock, suspended)
                        scaling_triggers.act_on_alarms(backend, group, clock, suspended)
                        quotas.try_again(group, clock, suspended)

    def replace_unhealthy(group):
        if not suspended(group, "HealthCheck") and group.health_check_type == "ELB":
            for state in group.instance_states:
                if state.lifecycle_state == "InService" and _failing_elb_checks(group, state, clock):
                    state.health_status = "Unhealthy"
        if any(suspended(group, p) for p in ("ReplaceUnhealthy", "Launch", "Terminate")):
            return
        unhealthy = [s for s in group.instance_states if s.lifecycle_state == "InService" and s.health_status == "Unhealthy"]
        for state in unhealthy:
            terminate(group, state, clock)
        if unhealthy:
            group.set_desired_capacity(group.desired_capacity)

    def rebalance(group):
        """One move at a time: launch in the emptiest zone, and terminate in the fullest only once the
        launched instance is in service ("launches new instances before terminating the old ones, so
        that rebalancing does not compromise the performance or availability of your application")."""
        if any(suspended(group, p) for p in ("AZRebalance", "Launch", "Terminate")) or instance_refresh.active(group):
            return
        moving = _rebalancing(group)
        for launched, fullest in list(moving.items()):
            state = next((s for s in group.instance_states if s.instance.id == launched), None)
            if state is not None and state.lifecycle_state in IN_CAPACITY and state.lifecycle_state != "InService":
                continue  # still on its way in
            del moving[launched]
            leaving = [
                s for s in in_capacity(group)
                if s.availability_zone == fullest and not s.protected_from_scale_in and s is not state
            ]
            if state is not None and leaving:
                terminate(group, _by_termination_policies(group, leaving, clock), clock)
        if moving:
            return
        counts = {zone: 0 for zone in _subnets_by_zone(group) if not Zones.is_down(group, zone)}
        for state in in_capacity(group):
            if state.availability_zone in counts:
                counts[state.availability_zone] += 1
        if not counts or max(counts.values()) - min(counts.values()) <= 1:
            return
        fullest = max(counts, key=counts.get)
        if not [s for s in in_capacity(group) if s.availability_zone == fullest and not s.protected_from_scale_in]:
            return
        before = {s.instance.id for s in group.instance_states}
        group.launch(1)
        for state in group.instance_states:
            if state.instance.id not in before:
                moving[state.instance.id] = fullest

    def _rebalancing(group):
        if not hasattr(group, "rebalancing"):
            group.rebalancing = {}  # launched instance id -> the zone it lets shrink
        return group.rebalancing

    call_action = BaseResponse.call_action

    def call_action_on_a_settled_fleet(self):
        reconcile()
        return call_action(self)

    BaseResponse.call_action = call_action_on_a_settled_fleet


def _failing_elb_checks(group, state, clock):
    if clock.now() < state.launched_at + float(group.health_check_grace_period or 0):
        return False
    backend = group.autoscaling_backend
    for arn in traffic_sources.target_groups(group):
        target_group = backend.elbv2_backend.target_groups.get(arn)
        if target_group is not None and state.instance.id in target_group.targets:
            health = target_group.health_for({"Id": state.instance.id}, backend.ec2_backend)
            if health.status == "unhealthy":
                return True
    return False
