"""Target health as Elastic Load Balancing documents it, over moto's target groups, on the virtual clock.

- A target is `initial` from its registration until its health checks pass, `healthy` once the
  instance has booted and passed HealthyThresholdCount checks HealthCheckIntervalSeconds apart
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
- A deregistered target (or a registered instance that was terminated) is `draining` for the target
  group's deregistration delay, then gone
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).
- A target whose instance a test marked as failing its checks is `unhealthy` (Target.FailedHealthChecks).
"""


class FailingChecks:
    """Instances whose application a test has made fail the load balancer's health checks."""

    instances = set()


def install(clock):
    from moto.elbv2 import models

    TargetGroup = models.FakeTargetGroup
    Health = models.FakeHealthStatus

    def draining(group):
        if not hasattr(group, "draining"):
            group.draining = {}  # id -> (target, until)
        now = clock.now()
        for target_id, (_, until) in list(group.draining.items()):
            if now >= until:
                del group.draining[target_id]
        return group.draining

    def delay(group):
        return float(group.attributes.get("deregistration_delay.timeout_seconds", 300))

    register = TargetGroup.register

    def register_now(self, targets):
        register(self, targets)
        if not hasattr(self, "registered_at"):
            self.registered_at = {}
        for target in targets:
            self.registered_at[target["Id"]] = clock.now()
            draining(self).pop(target["Id"], None)

    def deregister_draining(self, targets):
        from moto.elbv2.exceptions import InvalidTargetError

        if any(t["Id"] not in self.targets for t in targets):
            raise InvalidTargetError()
        for target in targets:
            start_draining(self, target["Id"])

    def start_draining(group, target_id):
        draining(group)[target_id] = (group.targets.pop(target_id), clock.now() + delay(group))

    def deregister_terminated(self, instance_ids):
        for target_id in list(self.targets):
            if target_id in instance_ids:
                start_draining(self, target_id)

    def health_for(self, target, ec2_backend):
        target_id = target["Id"]
        port = target.get("Port", self.port)
        if target_id in draining(self):
            return Health(target_id, port, self.health_check_port, "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
        registered = self.targets.get(target_id)
        if registered is None:
            return Health(target_id, port, self.health_check_port, "unused", "Target.NotRegistered", "Target is not registered to the target group")
        instance = ec2_backend.get_instance_by_id(target_id) if target_id.startswith("i-") else None
        if instance is not None and instance.state != "running":
            return Health(target_id, registered["Port"], self.health_check_port, "unused", "Target.InvalidState", f"Target is in the {instance.state} state")
        if target_id in FailingChecks.instances:
            return Health(target_id, registered["Port"], self.health_check_port, "unhealthy", "Target.FailedHealthChecks", "Health checks failed")
        ready = max(getattr(self, "registered_at", {}).get(target_id, 0.0), _ready_at(instance))
        passed = ready + float(self.health_check_interval_seconds) * int(self.healthy_threshold_count)
        if clock.now() < passed:
            return Health(target_id, registered["Port"], self.health_check_port, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
        return Health(target_id, registered["Port"], self.health_check_port, "healthy")

    TargetGroup.register = register_now
    TargetGroup.deregister = deregister_draining
    TargetGroup.deregister_terminated_instances = deregister_terminated
    TargetGroup.health_for = health_for

    describe = models.ELBv2Backend.describe_target_health

    def describe_with_draining(self, target_group_arn, targets):
        group = self.target_groups.get(target_group_arn)
        if group is not None and not targets:
            targets = list(group.targets.values()) + [t for t, _ in draining(group).values()]
        return describe(self, target_group_arn, targets)

    models.ELBv2Backend.describe_target_health = describe_with_draining


def _ready_at(instance):
    """When the instance's application answers: when its Auto Scaling group says it booted."""
    state = None
    group = getattr(instance, "autoscaling_group", None)
    if group is not None:
        state = next((s for s in group.instance_states if s.instance is instance), None)
    return state.ready_at if state is not None else 0.0
