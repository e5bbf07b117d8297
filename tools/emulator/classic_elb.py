"""Classic Load Balancers as Elastic Load Balancing documents them, over moto's `elb`, on the
virtual clock (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-healthchecks.html,
.../classic/config-conn-drain.html).

- A registered instance is OutOfService until it has booted and passed HealthyThreshold checks
  Interval seconds apart (the defaults: 10 checks, 30 s), then InService; OutOfService again while a
  test makes its checks fail.
- With connection draining, a deregistered instance stays InService, "Instance deregistration
  currently in progress", for the draining timeout, then is gone; without it, it is gone at once.
- An Auto Scaling group registers the instances it launches with its load balancers
  (LoadBalancerNames) and deregisters those it terminates; never again one someone deregistered.
"""

import traffic_sources
from targets import FailingChecks, _ready_at


def install(clock):
    from moto.elb import models

    Backend = models.ELBBackend

    def timings(balancer):
        if not hasattr(balancer, "registered_at"):
            balancer.registered_at, balancer.draining = {}, {}
        now = clock.now()
        for instance_id, until in list(balancer.draining.items()):
            if now >= until:
                del balancer.draining[instance_id]
        return balancer.registered_at, balancer.draining

    register = Backend.register_instances

    def register_instances(self, load_balancer_name, instance_ids, from_autoscaling=False):
        instance_ids = list(instance_ids)
        balancer = register(self, load_balancer_name, instance_ids, from_autoscaling)
        registered, draining = timings(balancer)
        for instance_id in instance_ids:
            registered[instance_id] = clock.now()
            draining.pop(instance_id, None)
        return balancer

    deregister = Backend.deregister_instances

    def deregister_instances(self, load_balancer_name, instance_ids, from_autoscaling=False):
        instance_ids = list(instance_ids)
        balancer = self.get_load_balancer(load_balancer_name)
        registered, draining = timings(balancer)
        # As the API set it (Enabled, Timeout); moto adds a lower-case default timeout beside it.
        drain = balancer.attributes.get("connection_draining") or {}
        enabled = str(drain.get("Enabled", drain.get("enabled"))).lower() == "true"
        timeout = float(drain.get("Timeout", drain.get("timeout", 300)))
        for instance_id in instance_ids:
            if instance_id in balancer.instance_ids and enabled:
                draining[instance_id] = clock.now() + timeout
            registered.pop(instance_id, None)
        # Whoever registered it, the instance leaves (moto kept the group's registrations apart).
        deregister(self, load_balancer_name, instance_ids, from_autoscaling=True)
        return deregister(self, load_balancer_name, instance_ids, from_autoscaling=False)

    def describe_instance_health(self, lb_name, instances):
        balancer = self.get_load_balancer(lb_name)
        if balancer is None:
            raise models.NoActiveLoadBalancerFoundError(name=lb_name)
        registered, draining = timings(balancer)
        asked = [i["InstanceId"] for i in instances] or list(balancer.instance_ids) + list(draining)
        check = balancer.health_check
        interval = float(check.interval) if check else 30.0
        threshold = int(check.healthy_threshold) if check else 10
        ec2 = self.ec2_backend if hasattr(self, "ec2_backend") else None
        found = []
        for instance_id in asked:
            if instance_id in draining:
                found.append(_health(instance_id, "InService", "N/A", "Instance deregistration currently in progress."))
            elif instance_id not in balancer.instance_ids:
                found.append(_health(instance_id, "Unknown", "ELB", "Instance is not currently registered with the LoadBalancer."))
            elif instance_id in FailingChecks.instances:
                found.append(_health(instance_id, "OutOfService", "Instance", "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."))
            else:
                instance = _instance(instance_id, ec2)
                ready = max(registered.get(instance_id, float("-inf")), _ready_at(instance) if instance else 0.0)
                if clock.now() < ready + interval * threshold:
                    found.append(_health(instance_id, "OutOfService", "ELB", "Instance has not passed the configured HealthyThreshold number of health checks consecutively."))
                else:
                    found.append(_health(instance_id, "InService", "N/A", "N/A"))
        return found

    Backend.register_instances = register_instances
    Backend.deregister_instances = deregister_instances
    Backend.describe_instance_health = describe_instance_health

    # moto's answer wrote N/A over every reason and description.
    from moto.core.responses import ActionResult
    from moto.elb.responses import ELBResponse

    def describe_instance_health_as_is(self):
        found = self.elb_backend.describe_instance_health(self._get_param("LoadBalancerName"), self._get_param("Instances", []))
        return ActionResult({"InstanceStates": found})

    ELBResponse.describe_instance_health = describe_instance_health_as_is


def _health(instance_id, state, reason, description):
    return {"InstanceId": instance_id, "State": state, "ReasonCode": reason, "Description": description}


def _instance(instance_id, ec2):
    from moto.ec2.models import ec2_backends

    for backends in ec2_backends.values():
        for backend in backends.values():
            try:
                return backend.get_instance(instance_id)
            except Exception:
                continue
    return None


def register_with_load_balancers(group, instance_ids, load_balancer_names=None):
    """Registers `instance_ids` with the group's Classic Load Balancers (or only `load_balancer_names`)."""
    backend = group.autoscaling_backend
    names = traffic_sources.load_balancers(group) if load_balancer_names is None else load_balancer_names
    for name in names:
        if backend.elb_backend.get_load_balancer(name) is not None:
            backend.elb_backend.register_instances(name, instance_ids, from_autoscaling=True)


def deregister_from_load_balancers(group, instance_ids):
    backend = group.autoscaling_backend
    for name in traffic_sources.load_balancers(group):
        balancer = backend.elb_backend.get_load_balancer(name)
        if balancer is not None:
            present = [i for i in instance_ids if i in balancer.instance_ids]
            if present:
                backend.elb_backend.deregister_instances(name, present, from_autoscaling=True)
