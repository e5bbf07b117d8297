"""Traffic sources as EC2 Auto Scaling documents them, where moto leaves them out
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AttachTrafficSources.html,
.../API_DetachTrafficSources.html, .../API_DescribeTrafficSources.html,
.../API_TrafficSourceIdentifier.html).

- AttachTrafficSources adds up to 10 traffic sources, each an `Identifier` and a `Type`: `elbv2` (a
  target group's ARN), `elb` (a Classic Load Balancer's name) or `vpc-lattice` (a VPC Lattice target
  group's ARN); the type defaults to what the identifier is. The group registers its instances in
  capacity with each, and every instance it puts in service from then on, deregisters those it
  terminates, as with the older AttachLoadBalancerTargetGroups and AttachLoadBalancers.
- DescribeTrafficSources (optionally of one type) and DescribeAutoScalingGroups' `TrafficSources` list
  them; DetachTrafficSources removes them.
- They are listed there only, not in TargetGroupARNs or LoadBalancerNames: AWS documents the two
  families of calls as usable side by side on one group, not that each lists the other's
  attachments, and a reader of the older fields alone is what must not pass here.
Not modelled: VPC Lattice itself (its target groups are recorded; nothing is registered with them);
an attachment's State past `Added`.
"""

MAX_PER_CALL = 10


def sources(group):
    if not hasattr(group, "traffic_sources"):
        group.traffic_sources = []  # [{"Identifier": ..., "Type": ...}], the attribute DescribeAutoScalingGroups answers
    return group.traffic_sources


def target_groups(group):
    """Every target group the group serves through: attached either way."""
    attached = [s["Identifier"] for s in sources(group) if s["Type"] == "elbv2"]
    return list(group.target_group_arns) + [arn for arn in attached if arn not in group.target_group_arns]


def load_balancers(group):
    """Every Classic Load Balancer the group serves through: attached either way."""
    names = list(group.load_balancer_names or [])
    return names + [s["Identifier"] for s in sources(group) if s["Type"] == "elb" and s["Identifier"] not in names]


def _type_of(identifier):
    if ":vpc-lattice:" in identifier:
        return "vpc-lattice"
    return "elbv2" if identifier.startswith("arn:") else "elb"


def install(in_capacity, register_with_target_groups):
    import classic_elb
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult, EmptyResult

    def requested(response):
        given = response._get_param("TrafficSources", [])
        if len(given) > MAX_PER_CALL:
            raise ValidationError(f"You can specify up to {MAX_PER_CALL} traffic sources.")
        found = [{"Identifier": s["Identifier"], "Type": s.get("Type") or _type_of(s["Identifier"])} for s in given]
        return response.autoscaling_backend.autoscaling_groups[response._get_param("AutoScalingGroupName")], found

    def attach_traffic_sources(self):
        group, found = requested(self)
        ids = [s.instance.id for s in in_capacity(group)]
        for source in found:
            if source in sources(group):
                continue
            sources(group).append(source)
            if source["Type"] == "elbv2":
                register_with_target_groups(group, ids, [source["Identifier"]])
            elif source["Type"] == "elb":
                classic_elb.register_with_load_balancers(group, ids, [source["Identifier"]])
        return EmptyResult()

    def detach_traffic_sources(self):
        group, found = requested(self)
        group.traffic_sources = [s for s in sources(group) if s not in found]
        return EmptyResult()

    def describe_traffic_sources(self):
        group = self.autoscaling_backend.autoscaling_groups[self._get_param("AutoScalingGroupName")]
        wanted = self._get_param("TrafficSourceType")
        listed = [s for s in sources(group) if wanted in (None, s["Type"])]
        return ActionResult({"TrafficSources": [{**s, "State": "Added"} for s in listed]})

    AutoScalingResponse.attach_traffic_sources = attach_traffic_sources
    AutoScalingResponse.detach_traffic_sources = detach_traffic_sources
    AutoScalingResponse.describe_traffic_sources = describe_traffic_sources
