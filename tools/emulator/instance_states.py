"""Instance state changes EC2 refuses (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html): a terminated instance
cannot be stopped; StopInstances fails with IncorrectInstanceState and stops none of the instances it
names. moto stopped it, bringing a terminated instance back as `stopped`.
"""


def install():
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.instances import InstanceBackend

    stop_instances = InstanceBackend.stop_instances

    def stop_unless_terminated(self, instance_ids):
        for instance in self.get_multi_instances_by_id(instance_ids):
            if instance.state == "terminated":
                raise EC2ClientError(
                    "IncorrectInstanceState",
                    f"This instance '{instance.id}' is not in a state from which it can be stopped.",
                )
        return stop_instances(self, instance_ids)

    InstanceBackend.stop_instances = stop_unless_terminated
