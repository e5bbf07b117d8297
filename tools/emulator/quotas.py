"""EC2's On-Demand vCPU quotas, enforced as EC2 enforces them
(https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).

- Each account and region has a quota per bucket of instance families, counted in the vCPUs of its
  running On-Demand instances (pending or running): Standard (A, C, D, H, I, M, R, T, Z), F, G and VT,
  Inf, P, X, DL, Trn and High Memory, each with the quota code Service Quotas names it by.
- RunInstances that would take a bucket past its quota launches nothing and fails with
  VcpuLimitExceeded (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html),
  with the message EC2 gives.
- An Auto Scaling group whose launch EC2 refuses so stays short of its desired capacity, records a
  failed scaling activity with that message ("Launching EC2 instance failed."), and tries again
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ts-as-capacity.html); the emulator tries
  again when it is next asked anything, at most once a virtual minute (AWS does not say how often).
- The emulator's account starts with 1,152 vCPUs in every bucket, as an established account might
  (a new account has less); a test sets a bucket's quota through the control endpoint
  (`POST /fault/quota {"quotaCode", "value"}`, optionally "account" and "region"), as an approved
  increase would.
- GetServiceQuota (ServiceCode ec2) answers each bucket's value
  (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html).
Not modelled: Spot, Dedicated Hosts, HPC and Mac families (no quota applies), usage metrics.
"""

import threading

DEFAULT_VCPUS = 1152
RETRY_SECONDS = 60
RUNNING = ("pending", "running")

# (quota code, name, the families' first letters), the longer prefixes first.
BUCKETS = [
    ("L-1945791B", "Running On-Demand Inf instances", ("inf",)),
    ("L-6E869C2A", "Running On-Demand DL instances", ("dl",)),
    ("L-2C3B7624", "Running On-Demand Trn instances", ("trn",)),
    ("L-43DA4232", "Running On-Demand High Memory instances", ("u-", "u7")),
    ("L-DB2E81BA", "Running On-Demand G and VT instances", ("g", "vt")),
    ("L-74FC7D96", "Running On-Demand F instances", ("f",)),
    ("L-417A185B", "Running On-Demand P instances", ("p",)),
    ("L-7295265B", "Running On-Demand X instances", ("x",)),
    ("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", tuple("acdhimrtz")),
]
UNBOUNDED = ("hpc", "mac")


class Quotas:
    lock = threading.Lock()
    values = {}  # (account, region, quota code) -> vCPUs; (None, None, code) for every account and region

    @classmethod
    def value(cls, account, region, code):
        with cls.lock:
            everywhere = cls.values.get((None, None, code), DEFAULT_VCPUS)
            return cls.values.get((account, region, code), everywhere)


def bucket(instance_type):
    """The quota code of the bucket the instance type counts against, or None."""
    family = instance_type.split(".")[0].lower()
    if family.startswith(UNBOUNDED):
        return None
    for code, _, prefixes in BUCKETS:
        if family.startswith(prefixes):
            return code
    return None


def vcpus(instance_type):
    from moto.ec2.models.instance_types import INSTANCE_TYPES

    return int(((INSTANCE_TYPES.get(instance_type) or {}).get("VCpuInfo") or {}).get("DefaultVCpus") or 1)


def install():
    _run_instances_within_quota()
    _service_quotas_answer_ec2()


def _run_instances_within_quota():
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.instances import InstanceBackend

    run_instances = InstanceBackend.run_instances

    def run_within_quota(self, image_id, count, user_data, security_group_names, **kwargs):
        instance_type = kwargs.get("instance_type") or "m1.small"
        if kwargs.get("launch_template") and kwargs.get("is_instance_type_default"):
            template = self._get_template_from_args(kwargs["launch_template"]).data
            instance_type = template.get("InstanceType") or instance_type
        code = bucket(instance_type)
        if code is not None:
            limit = Quotas.value(self.account_id, self.region_name, code)
            running = sum(
                vcpus(instance.instance_type)
                for reservation in self.reservations.values()
                for instance in reservation.instances
                if instance.state in RUNNING and bucket(instance.instance_type) == code
            )
            if running + int(count) * vcpus(instance_type) > limit:
                raise EC2ClientError(
                    "VcpuLimitExceeded",
                    f"You have requested more vCPU capacity than your current vCPU limit of {limit} allows for "
                    "the instance bucket that the specified instance type belongs to. Please visit "
                    "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
                )
        return run_instances(self, image_id, count, user_data, security_group_names, **kwargs)

    InstanceBackend.run_instances = run_within_quota


def _service_quotas_answer_ec2():
    """GetServiceQuota answers each bucket's applied value (moto's knows only VPC's quotas)."""
    from moto.servicequotas.models import ServiceQuotasBackend

    get_service_quota = ServiceQuotasBackend.get_service_quota

    def get_with_ec2(self, service_code, quota_code):
        names = {code: name for code, name, _ in BUCKETS}
        if service_code != "ec2" or quota_code not in names:
            return get_service_quota(self, service_code, quota_code)
        return {
            "ServiceCode": "ec2",
            "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
            "QuotaArn": f"arn:aws:servicequotas:{self.region_name}:{self.account_id}:ec2/{quota_code}",
            "QuotaCode": quota_code,
            "QuotaName": names[quota_code],
            "Value": float(Quotas.value(self.account_id, self.region_name, quota_code)),
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
        }

    ServiceQuotasBackend.get_service_quota = get_with_ec2


def refused(group, error, clock):
    """A launch EC2 refused: the group records it and tries again later."""
    import autoscaling
    import scaling_triggers

    now = clock.datetime()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    status = f"{error.message} Launching EC2 instance failed."
    cause = (
        f"At {stamp} an instance was started in response to a difference between desired and actual "
        f"capacity, increasing the capacity from {len(autoscaling.in_capacity(group))} to {group.desired_capacity or 0}."
    )
    description = f"Launching a new EC2 instance.  Status Reason: {status}"
    scaling_triggers.record_activity(group, now, description, cause, "Failed", status)
    group.tuesday_launch_refused_at = clock.now()


def try_again(group, clock, suspended):
    """A group EC2 refused a launch tries again, once its retry time has come."""
    refused_at = getattr(group, "tuesday_launch_refused_at", None)
    if refused_at is None or clock.now() < refused_at + RETRY_SECONDS or suspended(group, "Launch"):
        return
    group.tuesday_launch_refused_at = None
    group.set_desired_capacity(group.desired_capacity)


def control(body):
    """Handles POST /fault/quota: sets a bucket's quota, in one account and region or in all."""
    code = body["quotaCode"]
    if code not in {c for c, _, _ in BUCKETS}:
        raise KeyError(f"no such quota: {code}")
    with Quotas.lock:
        Quotas.values[(body.get("account"), body.get("region"), code)] = int(body["value"])
    return {"ok": True}
