"""Starts moto in server mode on a free loopback port, seeded with what AWS has and moto lacks, and
LocalStack's Step Functions interpreter beside it (engine.py), served to tuesday's Rust side over
the bridge (bridge.py). Both run on one virtual clock (clock.py).

AWS's Windows AMIs and the SSM public parameters that name them (the API refuses to create names
under /aws/, so they are put straight into moto's backends, in this process), and a VPC with a subnet
in each of two zones. Prints one JSON line when ready: the endpoint, the control endpoint and the
seeded ids, and the bridge's address. Exits when its standard input closes, so it never outlives the process that started it.

The control endpoint (POST /publish) plays AWS publishing a newly patched image: it registers the
AMI and makes the public parameter point at it, as AWS does after Patch Tuesday.
"""

import json
import os
import sys
import tempfile
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "123456789012"
REGION = "us-east-1"
ZONES = ["us-east-1a", "us-east-1b"]
AMAZON_WINDOWS_OWNER = "801119661308"
PARAMETER_PREFIX = "/aws/service/ami-windows-latest/"

# (Windows version, image family, [(release, AMI id)]), oldest release first: the public parameter
# names the newest, and its earlier versions named the older ones.
RELEASES = [
    ("2016", "Windows_Server-2016-English-Full-Base", [("2026.09.10", "ami-0a16a0000000000a1"), ("2026.10.15", "ami-0a16b0000000000b2")]),
    ("2019", "Windows_Server-2019-English-Full-Base", [("2026.09.10", "ami-0a19a0000000000a1"), ("2026.10.15", "ami-0a19b0000000000b2")]),
    ("2022", "Windows_Server-2022-English-Full-Base", [("2026.09.10", "ami-0a22a0000000000a1"), ("2026.10.15", "ami-0a22b0000000000b2")]),
    ("2025", "Windows_Server-2025-English-Full-Base", [("2026.09.10", "ami-0a25a0000000000a1"), ("2026.10.15", "ami-0a25b0000000000b2")]),
]


def ami_record(ami_id, family, release):
    year, month, day = release.split(".")
    return {
        "ami_id": ami_id,
        "name": f"{family}-{release}",
        "description": f"Microsoft Windows Server {family.split('-')[1]} Full Locale English AMI provided by Amazon",
        "owner_id": AMAZON_WINDOWS_OWNER,
        "public": True,
        "virtualization_type": "hvm",
        "architecture": "x86_64",
        "state": "available",
        "platform": "windows",
        "hypervisor": "xen",
        "root_device_type": "ebs",
        "root_device_name": "/dev/sda1",
        "sriov": "simple",
        "creation_date": f"{year}-{month}-{day}T08:00:00.000Z",
    }


def write_ami_catalogue():
    """moto reads its AMI catalogue from MOTO_AMIS_PATH when its EC2 models are first imported."""
    records = [ami_record(ami_id, family, release) for _, family, releases in RELEASES for release, ami_id in releases]
    handle, path = tempfile.mkstemp(prefix="tuesday-amis-", suffix=".json")
    with os.fdopen(handle, "w") as out:
        json.dump(records, out)
    os.environ["MOTO_AMIS_PATH"] = path
    return path


def put_public_parameter(name, ami_id):
    from moto.ssm.models import Parameter, ssm_backends

    versions = ssm_backends[ACCOUNT][REGION]._parameters[name]
    versions.append(
        Parameter(
            account_id=ACCOUNT,
            name=name,
            value=ami_id,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=datetime.now(timezone.utc).timestamp(),
            version=len(versions) + 1,
            data_type="aws:ec2:image",
        )
    )


def register_public_image(ami_id, family, release):
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.amis import Ami

    backend = ec2_backends[ACCOUNT][REGION]
    record = ami_record(ami_id, family, release)
    record["creation_date"] = datetime.fromisoformat(record["creation_date"].replace("Z", "+00:00"))
    record["owner_alias"] = "amazon"
    backend.amis[ami_id] = Ami(backend, **record)


def seed_parameters():
    for _, family, releases in RELEASES:
        for _, ami_id in releases:
            put_public_parameter(PARAMETER_PREFIX + family, ami_id)


def seed_network(endpoint):
    import boto3

    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "tuesday-fleet"}]}])["Vpc"]["VpcId"]
    subnets = []
    for i, zone in enumerate(ZONES):
        subnet = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.42.{i}.0/24",
            AvailabilityZone=zone,
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"tuesday-fleet-{zone}"}]}],
        )["Subnet"]
        subnets.append({"id": subnet["SubnetId"], "zone": zone})
    return vpc, subnets


def seed_stack_resources(endpoint):
    """What the CDK app creates for the machines: the results bucket and the lock table."""
    import boto3

    from engine import LOCK_TABLE, RESULTS_BUCKET

    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=RESULTS_BUCKET)
    session.client("dynamodb", endpoint_url=endpoint).create_table(
        TableName=LOCK_TABLE,
        KeySchema=[{"AttributeName": "groupName", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "groupName", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


class Control(BaseHTTPRequestHandler):
    """POST /publish {"family": "Windows_Server-2022-English-Full-Base", "release": "2026.11.12"}
    POST /fault/<kind> {...}: see faults.py
    POST /fleet/settle {"group": "web"}: the group's instances booted and healthy long ago
    GET /clock: the virtual clock's time"""

    clock = None  # set by main()

    def do_POST(self):
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path.startswith("/fault/"):
                import faults

                return self.reply(200, faults.control(self.path.removeprefix("/fault/"), body))
            if self.path == "/fleet/settle":
                import autoscaling

                return self.reply(200, autoscaling.settle(body["group"]))
            if self.path != "/publish":
                return self.reply(404, {"error": f"no such control action: {self.path}"})
            family, release = body["family"], body["release"]
            ami_id = body.get("imageId") or "ami-0" + os.urandom(8).hex()[:16]
            register_public_image(ami_id, family, release)
            put_public_parameter(PARAMETER_PREFIX + family, ami_id)
            self.reply(200, {"imageId": ami_id, "parameter": PARAMETER_PREFIX + family, "name": f"{family}-{release}"})
        except (KeyError, ValueError) as error:
            self.reply(400, {"error": f"bad control request: {error}"})

    def do_GET(self):
        if self.path != "/clock":
            return self.reply(404, {"error": f"no such control reading: {self.path}"})
        now = self.clock.datetime()
        self.reply(200, {"now": now.isoformat(), "epochSeconds": now.timestamp(), "seconds": self.clock.now()})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    catalogue = write_ami_catalogue()
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    seed_parameters()
    vpc, subnets = seed_network(endpoint)
    seed_stack_resources(endpoint)

    from bridge import serve
    from clock import VirtualClock
    from engine import LOCK_TABLE, Engine

    clock = VirtualClock()
    engine = Engine(clock, endpoint, REGION)
    bridge = serve(engine)
    import autoscaling
    import classic_elb
    import run_command
    import ssm_agent
    import executions
    import fast_launch
    import faults
    import image_lifecycle
    import image_parameters
    import template_versions
    import images
    import instance_states
    import quotas
    import targets
    import throttling

    autoscaling.install(clock)
    images.install()
    image_lifecycle.install(clock)
    fast_launch.install(clock)
    image_parameters.install()
    template_versions.install()
    instance_states.install()
    quotas.install()
    targets.install(clock)
    classic_elb.install(clock)
    run_command.install()
    ssm_agent.install(clock)
    faults.install()
    # Outermost: a throttled request does nothing else.
    throttling.install(clock)
    executions.install(engine)

    Control.clock = clock
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    ready = {
        "endpoint": endpoint,
        "control": f"http://127.0.0.1:{control.server_address[1]}",
        "engine": f"127.0.0.1:{bridge.server_address[1]}",
        "pid": os.getpid(),
        "region": REGION,
        "vpc": vpc,
        "subnets": subnets,
        "parameters": {version: PARAMETER_PREFIX + family for version, family, _ in RELEASES},
        "lockTable": LOCK_TABLE,
    }
    print(json.dumps(ready), flush=True)
    sys.stdin.read()  # until the parent closes our stdin or dies
    os.unlink(catalogue)
    os._exit(0)  # no graceful shutdown: nothing is kept


if __name__ == "__main__":
    main()
