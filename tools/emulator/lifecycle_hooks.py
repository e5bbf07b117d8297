"""Lifecycle hooks as EC2 Auto Scaling documents them, on the virtual clock
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html,
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html).

- With a launch hook, a new instance waits in Pending:Wait (booting meanwhile); CONTINUE puts it in
  service, registered with the group's load balancers only then; ABANDON terminates it (and the group
  launches another).
- With a terminate hook, an instance the group terminates waits in Terminating:Wait (out of its
  target groups, no longer counted in capacity) until CONTINUE or ABANDON, then is terminated.
- RecordLifecycleActionHeartbeat restarts the wait; when HeartbeatTimeout (default 3600 s) passes
  with no answer, the hook's DefaultResult is taken.
Not modelled: the notification to the hook's target (SQS, SNS, EventBridge).
"""

import uuid

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


class Action:
    def __init__(self, hook, state, clock, then):
        self.hook = hook
        self.state = state
        self.token = str(uuid.uuid4())
        self.deadline = clock.now() + float(hook.heartbeat_timeout)
        self.then = then  # called with the result, CONTINUE or ABANDON


def _hooks(group, transition):
    hooks = group.autoscaling_backend.lifecycle_hooks.values()
    return [h for h in hooks if h.auto_scaling_group_name == group.name and h.lifecycle_transition == transition]


def _actions(group):
    if not hasattr(group, "lifecycle_actions"):
        group.lifecycle_actions = {}  # instance id -> Action
    return group.lifecycle_actions


def wait_at_launch(group, state, clock, abandon, put_in_service):
    """Puts a just-launched instance in Pending:Wait if the group has a launch hook. Once the hook
    continues, the group registers it with its load balancers, as it does when it goes in service
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html, step 3)."""
    hooks = _hooks(group, LAUNCHING)
    if not hooks:
        return

    def then(result):
        if result == "CONTINUE":
            state.lifecycle_state = "InService"
            put_in_service(group, state)
        else:
            abandon(state)

    state.lifecycle_state = "Pending:Wait"
    _actions(group)[state.instance.id] = Action(hooks[0], state, clock, then)


def wait_at_termination(group, state, clock, finish):
    """Puts an instance the group terminates in Terminating:Wait if it has a terminate hook; returns
    whether it waits (else the caller terminates it now)."""
    hooks = _hooks(group, TERMINATING)
    if not hooks:
        return False
    state.lifecycle_state = "Terminating:Wait"
    _actions(group)[state.instance.id] = Action(hooks[0], state, clock, lambda result: finish(state))
    return True


def expire(group, clock):
    """Takes the default result of every action whose heartbeat timeout has passed."""
    now = clock.now()
    for instance_id, action in list(_actions(group).items()):
        if now >= action.deadline:
            del _actions(group)[instance_id]
            action.then(action.hook.default_result)


def install(clock):
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import EmptyResult

    def find(response):
        group = response.autoscaling_backend.autoscaling_groups.get(response._get_param("AutoScalingGroupName"))
        instance_id = response._get_param("InstanceId")
        token = response._get_param("LifecycleActionToken")
        hook_name = response._get_param("LifecycleHookName")
        for candidate, action in (_actions(group).items() if group is not None else []):
            if action.hook.name == hook_name and (candidate == instance_id or action.token == token):
                return group, candidate, action
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id or token}")

    def complete_lifecycle_action(self):
        result = self._get_param("LifecycleActionResult")
        if result not in ("CONTINUE", "ABANDON"):
            raise ValidationError("LifecycleActionResult must be CONTINUE or ABANDON")
        group, instance_id, action = find(self)
        del _actions(group)[instance_id]
        action.then(result)
        return EmptyResult()

    def record_lifecycle_action_heartbeat(self):
        _, _, action = find(self)
        action.deadline = clock.now() + float(action.hook.heartbeat_timeout)
        return EmptyResult()

    AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
    AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat
