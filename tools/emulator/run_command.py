"""Run Command as Systems Manager documents it, where moto leaves it out:

- SendCommand takes at most 50 instance IDs
  (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html#systemsmanager-SendCommand-request-InstanceIds);
  more is a ValidationException, and nothing is sent.
- ListCommandInvocations lists a command's invocations, one per instance, with their status
  (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommandInvocations.html).
- A command sent to instance IDs runs on those only; moto added every instance of the account when
  the command named no Targets.
- A test can make the commands sent to an instance fail there (`failing-commands`): its invocation is
  `Failed`, as a script that exits non-zero leaves it.
"""

MAX_INSTANCE_IDS = 50


class FailingCommands:
    """Instances on which every command sent from now on fails."""

    instances = set()


def install():
    from moto.core.responses import ActionResult
    from moto.ssm.exceptions import ValidationException
    from moto.ssm.models import Command
    from moto.ssm.responses import SimpleSystemManagerResponse

    send_command = SimpleSystemManagerResponse.send_command

    def send_at_most_fifty(self):
        instance_ids = self._get_param("InstanceIds", [])
        if len(instance_ids) > MAX_INSTANCE_IDS:
            raise ValidationException(
                f"1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_INSTANCE_IDS} (it has {len(instance_ids)})",
            )
        return send_command(self)

    invocation_response = Command.invocation_response

    def failing_where_asked(self, instance_id, plugin_name):
        invocation = invocation_response(self, instance_id, plugin_name)
        if instance_id in FailingCommands.instances:
            invocation.update({"Status": "Failed", "StatusDetails": "Failed", "ResponseCode": 1})
        return invocation

    def list_command_invocations(self):
        command_id = self._get_param("CommandId")
        instance_id = self._get_param("InstanceId")
        command = self.ssm_backend.get_command_by_id(command_id)
        invocations = [
            {
                "CommandId": i["CommandId"],
                "InstanceId": i["InstanceId"],
                "DocumentName": i["DocumentName"],
                "Status": i["Status"],
                "StatusDetails": i["StatusDetails"],
                "RequestedDateTime": command.requested_date_time,
            }
            for i in command.invocations
            if instance_id is None or i["InstanceId"] == instance_id
        ]
        return ActionResult({"CommandInvocations": invocations})

    from_targets = Command._get_instance_ids_from_targets

    def only_if_targeted(self):
        return from_targets(self) if self.targets else []

    SimpleSystemManagerResponse.send_command = send_at_most_fifty
    Command._get_instance_ids_from_targets = only_if_targeted
    SimpleSystemManagerResponse.list_command_invocations = list_command_invocations
    Command.invocation_response = failing_where_asked
