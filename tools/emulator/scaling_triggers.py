"""What scales a group without anyone calling it: scheduled actions and alarms, on the virtual clock
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-scheduled-scaling.html,
.../as-scaling-simple-step.html, .../understand-how-suspending-processes-affects-other-processes.html).

- A scheduled action with a StartTime sets the group's MinSize, MaxSize and desired capacity when the
  clock reaches it; one that comes due while ScheduledActions is suspended is not run later.
- An alarm in ALARM whose actions name a group's simple or step scaling policy changes the group's
  capacity by it (within MinSize and MaxSize), then again each cooldown while it stays in ALARM,
  unless AlarmNotification is suspended; on resume only alarms still in ALARM act.
Alarms come from moto's CloudWatch; a test puts one in ALARM through the control endpoint, as its
metric would. Not modelled: recurring (cron) scheduled actions, target tracking, metric evaluation.

- What an alarm-driven policy did is kept as scaling activities, one per instance launched or
  terminated, with AWS's Cause ("At <time> a monitor alarm <alarm> in state ALARM triggered policy
  <policy> changing the desired capacity from 2 to 3.  At <time> an instance was started in response
  to a difference between desired and actual capacity, increasing the capacity from 2 to 3."), and
  DescribeScalingActivities answers them, newest first, by group or by id, up to MaxRecords (moto
  answered none: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeScalingActivities.html,
  .../userguide/as-verify-scaling-activity.html). Not modelled: activities of other causes, NextToken.
"""

import datetime
import uuid

DEFAULT_COOLDOWN = 300


def _due(action):
    start = action.start_time
    if isinstance(start, str):
        start = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=datetime.UTC)
    return start


def run_scheduled_actions(backend, group, clock, suspended):
    now = clock.datetime()
    for action in backend.scheduled_actions.values():
        if action.auto_scaling_group_name != group.name or getattr(action, "done", False) or action.recurrence:
            continue
        start = _due(action)
        if start is None or now < start:
            continue
        action.done = True
        if suspended(group, "ScheduledActions"):
            continue
        if action.min_size is not None:
            group.min_size = int(action.min_size)
        if action.max_size is not None:
            group.max_size = int(action.max_size)
        desired = group.desired_capacity if action.desired_capacity is None else int(action.desired_capacity)
        group.set_desired_capacity(min(max(desired, group.min_size), group.max_size))


def act_on_alarms(backend, group, clock, suspended):
    from moto.cloudwatch.models import cloudwatch_backends

    if suspended(group, "AlarmNotification"):
        return
    policies = {p.arn: p for p in backend.policies.values() if p.auto_scaling_group_name == group.name}
    if not policies:
        return
    alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms.values()
    for alarm in alarms:
        if alarm.state_value != "ALARM":
            continue
        for arn in alarm.alarm_actions or []:
            policy = policies.get(arn)
            if policy is None or policy.policy_type not in ("SimpleScaling", "StepScaling"):
                continue
            cooldown = float(policy.cooldown or group.default_cooldown or DEFAULT_COOLDOWN)
            last = getattr(policy, "last_run", None)
            if last is not None and clock.now() < last + cooldown:
                continue
            policy.last_run = clock.now()
            before = (group.desired_capacity or 0, {s.instance.id for s in group.instance_states})
            _execute(policy, group)
            _record(group, alarm, policy, before, clock)


def _record(group, alarm, policy, before, clock):
    desired_before, instances_before = before
    desired = group.desired_capacity or 0
    if desired == desired_before:
        return
    now = clock.datetime()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    trigger = (
        f"At {stamp} a monitor alarm {alarm.name} in state ALARM triggered policy {policy.name} "
        f"changing the desired capacity from {desired_before} to {desired}."
    )
    instances = {s.instance.id for s in group.instance_states}
    changes = [("Launching a new EC2 instance", i, "started", "increasing") for i in sorted(instances - instances_before)]
    changes += [("Terminating EC2 instance", i, "taken out of service", "shrinking") for i in sorted(instances_before - instances)]
    for description, instance_id, verb, direction in changes:
        cause = (
            f"{trigger}  At {stamp} an instance was {verb} in response to a difference between desired "
            f"and actual capacity, {direction} the capacity from {desired_before} to {desired}."
        )
        record_activity(group, now, f"{description}: {instance_id}", cause, "Successful")


def record_activity(group, now, description, cause, status_code, status_message=None):
    """A scaling activity of the group, as DescribeScalingActivities answers it, newest first."""
    activity = {
        "ActivityId": str(uuid.uuid4()),
        "AutoScalingGroupName": group.name,
        "Description": description,
        "Cause": cause,
        "StartTime": now,
        "EndTime": now,
        "StatusCode": status_code,
        "Progress": 100,
    }
    if status_message is not None:
        activity["StatusMessage"] = status_message
    group.__dict__.setdefault("tuesday_activities", []).insert(0, activity)


def install():
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    def describe_scaling_activities(self):
        name = self._get_param("AutoScalingGroupName")
        ids = set(self._get_param("ActivityIds", []) or [])
        limit = int(self._get_param("MaxRecords") or 100)
        groups = self.autoscaling_backend.autoscaling_groups.values()
        activities = [
            activity
            for group in groups
            if name in (None, group.name)
            for activity in group.__dict__.get("tuesday_activities", [])
            if not ids or activity["ActivityId"] in ids
        ]
        activities.sort(key=lambda a: a["StartTime"], reverse=True)
        return ActionResult({"Activities": activities[:limit]})

    AutoScalingResponse.describe_scaling_activities = describe_scaling_activities


def _execute(policy, group):
    adjustment = int(policy.scaling_adjustment or 0)
    current = group.desired_capacity or 0
    if policy.adjustment_type == "ExactCapacity":
        desired = adjustment
    elif policy.adjustment_type == "PercentChangeInCapacity":
        desired = current + int(current * adjustment / 100)
    else:
        desired = current + adjustment
    group.set_desired_capacity(min(max(desired, group.min_size), group.max_size))


def set_alarm(body):
    """Control endpoint: an alarm (created if need be) whose actions are `policyArns`, in `state`."""
    from moto.autoscaling.models import autoscaling_backends
    from moto.cloudwatch.models import cloudwatch_backends

    account, region = next((a, r) for a, backends in autoscaling_backends.items() for r in backends)
    cloudwatch = cloudwatch_backends[account][region]
    name = body["name"]
    if name not in cloudwatch.alarms:
        cloudwatch.put_metric_alarm(
            name=name,
            namespace="tuesday/test",
            metric_name=name,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            period=60,
            threshold=0,
            statistic="Average",
            description="set by a test through the emulator's control endpoint",
            dimensions=[],
            alarm_actions=body.get("policyArns", []),
        )
    cloudwatch.set_alarm_state(name, "set by a test", None, body.get("state", "ALARM"))
    return {"ok": True}
