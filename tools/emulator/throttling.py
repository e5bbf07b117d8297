"""API request throttling, as AWS applies it: a token bucket per account, region and action.

- Amazon EC2 (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): each API has
  its own bucket; a request takes a token, and one that finds the bucket empty fails with
  RequestLimitExceeded (HTTP 503). A bucket refills at a set rate up to its size. The page's example,
  DescribeHosts (a non-mutating action), has 100 tokens refilled at 20 a second: the emulator gives
  every EC2 Describe* action that bucket. Other EC2 actions' buckets, and resource rate limiting
  (RunInstances' instances, TerminateInstances'), are not modelled unless a test sets them.
- EC2 Auto Scaling and Elastic Load Balancing throttle the same way with `Throttling` and "Rate exceeded"
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html); Auto
  Scaling publishes no bucket sizes, so none applies unless a test sets one.
- A test sets a bucket through the control endpoint: `POST /fault/throttle {"service", "action",
  "capacity", "refillPerSecond"}` (optionally "account" and "region"; the bucket starts full), and
  reads how many requests each action had throttled with `POST /fault/throttled {}`.
- Tokens refill with the virtual clock: a wait the clock skips refills the bucket as the time passing
  on AWS would, and virtual time never runs slower than real time.
"""

import threading

# (service, action prefix) -> (capacity, refill per second), as AWS documents them.
DEFAULTS = {("ec2", "Describe"): (100, 20)}
ERRORS = {"ec2": ("RequestLimitExceeded", "Request limit exceeded.", 503)}
THROTTLING = ("Throttling", "Rate exceeded", 400)


class Buckets:
    lock = threading.Lock()
    clock = None  # set by install()
    set_by_tests = {}  # (service, action, account or None, region or None) -> (capacity, refill)
    tokens = {}  # (service, action, account, region) -> [tokens, virtual time of the last refill]
    throttled = {}  # "service:action" -> requests refused

    @classmethod
    def rate(cls, service, action, account, region):
        for key in ((service, action, account, region), (service, action, None, None)):
            if key in cls.set_by_tests:
                return cls.set_by_tests[key]
        return next((rate for (s, prefix), rate in DEFAULTS.items() if s == service and action.startswith(prefix)), None)

    @classmethod
    def take(cls, service, action, account, region):
        """Whether the request may go ahead; a request refused is counted."""
        with cls.lock:
            rate = cls.rate(service, action, account, region)
            if rate is None:
                return True
            capacity, refill = rate
            now = cls.clock.now()
            bucket = cls.tokens.setdefault((service, action, account, region), [capacity, now])
            bucket[0] = min(capacity, bucket[0] + (now - bucket[1]) * refill)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                return True
            name = f"{service}:{action}"
            cls.throttled[name] = cls.throttled.get(name, 0) + 1
            return False


def install(clock):
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse

    Buckets.clock = clock
    call_action = BaseResponse.call_action

    def call_action_within_rate(self):
        service, action = self.service_name, self._get_action()
        if Buckets.take(service, action, self.current_account, self.region):
            return call_action(self)
        code, message, status = ERRORS.get(service, THROTTLING)
        error = type(code, (ServiceException,), {"code": code, "message": message})()
        _, headers, body = self.serialized(ActionResult(error))
        return status, headers, body

    BaseResponse.call_action = call_action_within_rate


def control(action, body):
    if action == "throttled":
        with Buckets.lock:
            return dict(Buckets.throttled)
    key = (body["service"], body["action"], body.get("account"), body.get("region"))
    with Buckets.lock:
        Buckets.set_by_tests[key] = (int(body["capacity"]), float(body["refillPerSecond"]))
        for bucket in [k for k in Buckets.tokens if k[:2] == key[:2]]:
            del Buckets.tokens[bucket]
    return {"ok": True}
