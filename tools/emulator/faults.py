"""Faults a test injects through the control endpoint, as AWS could answer them.

- Any call of a service's action can be made to fail its next N times with an error code AWS
  documents for it: `Throttling` (any call), `ScalingActivityInProgress` or `ResourceContention`
  (Auto Scaling's mutating calls,
  https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetDesiredCapacity.html#API_SetDesiredCapacity_Errors);
  optionally only the calls on one Auto Scaling group (`group`) or one instance (`instance`: a
  TerminateInstanceInAutoScalingGroup names no group), so tests sharing the emulator do not take each
  other's faults; `ServiceLinkedRoleFailure` is another error AWS documents for Auto Scaling's calls
  (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html#API_TerminateInstanceInAutoScalingGroup_Errors).
- A zone can be made unable to launch instances, for every group or one (autoscaling.Zones).
- An instance's application can be made to fail its load balancer health checks (targets.FailingChecks).
- The commands sent to an instance can be made to fail there (run_command.FailingCommands).
- An instance's SSM Agent can be kept from ever coming online (ssm_agent.OfflineAgents).
- A CloudWatch alarm acting on scaling policies can be put in ALARM or OK (scaling_triggers).
- A bucket's On-Demand vCPU quota can be set, as an approved increase would (quotas).
- An action's request rate can be limited, as AWS's token buckets limit it (throttling).
"""

import threading

from autoscaling import Zones
from targets import FailingChecks


class ApiErrors:
    lock = threading.Lock()
    pending = []  # [service, action, code, message, times left, group or None, instance or None]

    @classmethod
    def add(cls, service, action, code, message, times, group=None, instance=None):
        with cls.lock:
            cls.pending.append([service, action, code, message, times, group, instance])

    @classmethod
    def take(cls, service, action, group, instance):
        with cls.lock:
            for fault in cls.pending:
                if (
                    fault[0] == service
                    and fault[1] == action
                    and fault[4] > 0
                    and fault[5] in (None, group)
                    and fault[6] in (None, instance)
                ):
                    fault[4] -= 1
                    return fault[2], fault[3]
        return None


def install():
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse

    call_action = BaseResponse.call_action

    def call_action_unless_faulted(self):
        fault = ApiErrors.take(
            self.service_name, self._get_action(), self._get_param("AutoScalingGroupName"), self._get_param("InstanceId")
        )
        if fault is None:
            return call_action(self)
        code, message = fault
        error = type(code, (ServiceException,), {"code": code, "message": message})()
        return self.serialized(ActionResult(error))

    BaseResponse.call_action = call_action_unless_faulted


def control(action, body):
    """Handles POST /fault/<action> of the control endpoint; returns the reply's body."""
    if action == "api-error":
        message = body.get("message", body["code"])
        times = int(body.get("times", 1))
        ApiErrors.add(body["service"], body["action"], body["code"], message, times, body.get("group"), body.get("instance"))
    elif action == "zone-down":
        if body.get("group"):
            Zones.down_for.add((body["group"], body["zone"]))
        else:
            Zones.down.add(body["zone"])
    elif action == "zone-up":
        Zones.down.discard(body["zone"])
        Zones.down_for.discard((body.get("group"), body["zone"]))
    elif action == "failing-checks":
        FailingChecks.instances.update(body["instanceIds"])
    elif action == "passing-checks":
        FailingChecks.instances.difference_update(body["instanceIds"])
    elif action == "failing-commands":
        from run_command import FailingCommands

        FailingCommands.instances.update(body["instanceIds"])
    elif action == "agent-offline":
        from ssm_agent import OfflineAgents

        OfflineAgents.instances.update(body["instanceIds"])
    elif action == "quota":
        import quotas

        return quotas.control(body)
    elif action in ("throttle", "throttled"):
        import throttling

        return throttling.control(action, body)
    elif action == "alarm":
        import scaling_triggers

        return scaling_triggers.set_alarm(body)
    else:
        raise KeyError(f"no such fault: {action}")
    return {"ok": True}
