"""The SSM Agent as Systems Manager reports it, where moto leaves it out
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html,
https://docs.aws.amazon.com/systems-manager/latest/userguide/troubleshooting-managed-nodes.html).

- DescribeInstanceInformation lists the managed nodes: a running instance once it has booted (its
  agent registers then) with PingStatus Online, a stopped one ConnectionLost; a terminated one, or
  one still booting, is not listed. Filtered by instance ids (`Filters` with the key InstanceIds, or
  `InstanceInformationFilterList` with the key InstanceIds), at most 50 to a page.
- A test can keep instances' agents from ever coming online (`agent-offline`), as an instance
  without the Systems Manager instance profile, or cut off from its endpoints, never does.
Not modelled: platforms other than Windows, hybrid activations, pagination past one page.
"""


class OfflineAgents:
    """Instances whose agent never reaches Systems Manager."""

    instances = set()


def install(clock):
    from moto.core.responses import ActionResult
    from moto.ec2.models import ec2_backends
    from moto.ssm.responses import SimpleSystemManagerResponse

    from targets import _ready_at

    def wanted_ids(response):
        for key, values in (
            *((f.get("Key"), f.get("Values", [])) for f in response._get_param("Filters", [])),
            *((f.get("key"), f.get("valueSet", [])) for f in response._get_param("InstanceInformationFilterList", [])),
        ):
            if key == "InstanceIds":
                return set(values)
        return None

    def describe_instance_information(self):
        wanted = wanted_ids(self)
        backend = ec2_backends[self.current_account][self.region]
        nodes = []
        for instance in backend.all_instances():
            if wanted is not None and instance.id not in wanted:
                continue
            if instance.id in OfflineAgents.instances or instance.state == "terminated":
                continue
            if instance.state == "running" and clock.now() < _ready_at(instance):
                continue  # booting: the agent has not registered yet
            status = "Online" if instance.state == "running" else "ConnectionLost"
            nodes.append(
                {
                    "InstanceId": instance.id,
                    "PingStatus": status,
                    "LastPingDateTime": clock.datetime(),
                    "AgentVersion": "3.3.1142.0",
                    "IsLatestVersion": True,
                    "PlatformType": "Windows",
                    "PlatformName": "Microsoft Windows Server 2022 Datacenter",
                    "ResourceType": "EC2Instance",
                }
            )
        return ActionResult({"InstanceInformationList": nodes[:50]})

    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information
