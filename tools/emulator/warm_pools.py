"""Warm pools as EC2 Auto Scaling documents them
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html,
AWSCloudFormation aws-resource-autoscaling-warmpool.html, APIReference/API_DescribeWarmPool.html).

- The pool holds max(MinSize, MaxGroupPreparedCapacity - desired capacity) instances (without
  MaxGroupPreparedCapacity, the group's MaxSize stands in), Warmed:Stopped (or :Running,
  :Hibernated), each launched from the group's launch template as it was when the instance was made,
  and refilled from it as it is.
- A scale-out takes instances from the pool before it launches new ones: they keep the image and
  template version they were made with, which is why an instance refresh, not a rolling update of
  the template, is what replaces them.
- DeleteWarmPool terminates the pool's instances.
Not modelled: ReuseOnScaleIn, warm pool lifecycle hooks, the faster start of a warmed instance.
"""


def pool(group):
    if not hasattr(group, "warm_pool_instances"):
        group.warm_pool_instances = []
    return group.warm_pool_instances


def take(group, count):
    """Up to `count` warmed instances, out of the pool and into the group's capacity."""
    taken = []
    while pool(group) and len(taken) < count:
        state = pool(group).pop(0)
        if state.instance.state != "running":
            state.instance.start()
        state.lifecycle_state = "InService"
        taken.append(state)
    return taken


def fill(group, models, clock):
    config = group.get_warm_pool()
    if config is None:
        return
    prepared = config.max_group_prepared_capacity
    if prepared is None or prepared < 0:
        prepared = group.max_size
    wanted = max(config.min_size or 0, prepared - (group.desired_capacity or 0))
    while len(pool(group)) > wanted:
        state = pool(group).pop()
        group.autoscaling_backend.ec2_backend.terminate_instances([state.instance.id])
    missing = wanted - len(pool(group))
    if missing <= 0:
        return
    template = {"LaunchTemplateId": group.ec2_launch_template.id} if group.ec2_launch_template else None
    reservation = group.autoscaling_backend.ec2_backend.run_instances(
        group.image_id,
        missing,
        group.user_data,
        group.security_groups,
        instance_type=group.instance_type,
        tags={"instance": {models.ASG_NAME_TAG: group.name}},
        placement=group.availability_zones[0],
        launch_config=group.launch_config,
        launch_template=template,
        is_instance_type_default=False,
    )
    for instance in reservation.instances:
        instance.autoscaling_group = group
        state = models.InstanceState(instance, lifecycle_state="Warmed:" + config.pool_state)
        if config.pool_state != "Running":
            instance.stop()
        pool(group).append(state)


def install(models, clock):
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    def describe_warm_pool(self):
        group = self.autoscaling_backend.describe_auto_scaling_groups([self._get_param("AutoScalingGroupName")])[0]
        instances = [
            {
                "InstanceId": s.instance.id,
                "InstanceType": s.instance_type,
                "AvailabilityZone": s.availability_zone,
                "LifecycleState": s.lifecycle_state,
                "HealthStatus": s.health_status,
                "LaunchTemplate": s.launch_template,
            }
            for s in pool(group)
        ]
        return ActionResult({"WarmPoolConfiguration": group.get_warm_pool(), "Instances": instances})

    delete = models.AutoScalingBackend.delete_warm_pool

    def delete_warm_pool(self, group_name):
        group = self.describe_auto_scaling_groups([group_name])[0]
        ids = [s.instance.id for s in pool(group)]
        if ids:
            self.ec2_backend.terminate_instances(ids)
        group.warm_pool_instances = []
        delete(self, group_name)

    AutoScalingResponse.describe_warm_pool = describe_warm_pool
    models.AutoScalingBackend.delete_warm_pool = delete_warm_pool
