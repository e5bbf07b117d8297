"""Where LocalStack's interpreter parts from AWS in a way tuesday's machines meet, set back to AWS's.

- A Map iteration or Parallel branch that fails with one of the States.* errors (States.TaskFailed
  from a failed child execution, States.DataLimitExceeded, ...) fails its Map or Parallel with that
  same error on AWS, which a Catch can match; the interpreter instead tried to re-raise it as a
  custom error name, which may not begin with "States.", and failed the whole execution with
  States.Runtime (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
- A Distributed Map's ResultWriter writes, beside manifest.json, the results of its child executions
  in SUCCEEDED_<n>.json files the manifest lists, one entry per execution with its Output as a JSON
  string (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html); the
  interpreter wrote an empty manifest and dropped the results. Entries locally carry Status and
  Output only.
- ToleratedFailurePercentage is a number from 0 to 100, integer or not; the interpreter's grammar
  took only decimals, and it ignored the value: a Distributed Map now fails with
  States.ExceedToleratedFailureThreshold only when more items fail than ToleratedFailurePercentage
  (and ToleratedFailureCount) allow, and a tolerated failure's place in the output is its
  {Error, Cause} (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html#maprun-fail-threshold).
  (The interpreter also let an item's failure pass as a null result.)
- Stopping an execution stops the child executions it is waiting for (a startExecution.sync task's,
  a Distributed Map's), as AWS does for a Run a Job (.sync) task, whose policy grants
  states:StopExecution on the children for that
  (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync,
  https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html); the interpreter left
  them running, so a cycle stopped mid-batch went on replacing instances under a lock whose holder
  had ended.
- The context object's `$$.State.EnteredTime` is ISO 8601 in UTC to the millisecond with a "Z", as
  "2019-03-26T20:14:13.192Z" (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html);
  the interpreter wrote Python's isoformat, "2019-03-26T20:14:13.192000+00:00", which AWS never sends.
"""

import json


def install(engine):
    _stopping_a_parent_stops_its_children(engine)
    _states_errors_pass_through_maps_and_parallels()
    _result_writer_writes_the_results()
    _tolerated_failures_as_aws()
    _entered_time_as_aws()


def _stopping_a_parent_stops_its_children(engine):
    stop_execution = engine.provider.stop_execution

    def stop_with_children(request, execution_arn, *args, **kwargs):
        stopped = stop_execution(request, execution_arn, *args, **kwargs)
        for child in engine.children.get(execution_arn, []):
            if engine.describe(child)["status"] == "RUNNING":
                stop_with_children(request, child)
        return stopped

    engine.provider.stop_execution = stop_with_children


def _entered_time_as_aws():
    import datetime

    from localstack.services.stepfunctions.asl.component.state import state

    def state_data(EnteredTime, Name):
        entered = datetime.datetime.fromisoformat(EnteredTime).astimezone(datetime.UTC)
        return {"EnteredTime": entered.strftime("%Y-%m-%dT%H:%M:%S.") + f"{entered.microsecond // 1000:03d}Z", "Name": Name}

    state.StateData = state_data


def _states_errors_pass_through_maps_and_parallels():
    from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import (
        ILLEGAL_CUSTOM_ERROR_PREFIX,
        CustomErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import StatesErrorName
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration import (
        iteration_worker,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_parallel import branches_decl

    def error_name_of(error_name):
        if error_name is not None and error_name.startswith(ILLEGAL_CUSTOM_ERROR_PREFIX):
            return StatesErrorName.from_name(error_name)
        return CustomErrorName(error_name=error_name)

    iteration_worker.CustomErrorName = error_name_of
    branches_decl.CustomErrorName = error_name_of


def _result_writer_writes_the_results():
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer.resource_eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    def put_object(env, resource_runtime_part, state_credentials):
        parameters = env.stack.pop()
        outputs = env.stack.pop()
        s3 = ResourceEvalS3._get_s3_client(resource_runtime_part=resource_runtime_part, state_credentials=state_credentials)
        map_run_arn = env.map_run_record_pool_manager.get_all().pop().map_run_arn
        prefix = parameters["Prefix"]
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        prefix += map_run_arn.split(":")[-1] + "/"
        entries = [{"Status": "SUCCEEDED", "Output": json.dumps(output, separators=(",", ":"))} for output in outputs or []]
        files = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        if entries:
            body = json.dumps(entries).encode()
            s3.put_object(Bucket=parameters["Bucket"], Key=prefix + "SUCCEEDED_0.json", Body=body)
            files["SUCCEEDED"].append({"Key": prefix + "SUCCEEDED_0.json", "Size": len(body)})
        manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": map_run_arn, "ResultFiles": files}
        s3.put_object(Bucket=parameters["Bucket"], Key=prefix + "manifest.json", Body=json.dumps(manifest, indent=2).encode())
        env.stack.append(
            {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": prefix + "manifest.json"}}
        )

    ResourceEvalS3._handle_put_object = staticmethod(put_object)


def _tolerated_failures_as_aws():
    import math

    from localstack.aws.api.stepfunctions import HistoryEventType
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import CustomErrorName
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import StatesErrorName
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration import (
        distributed_iteration_component as distributed,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.job import (
        JobClosed,
        JobPool,
    )
    from localstack.services.stepfunctions.asl.parse.asl_parser import AmazonStateLanguageParser

    # The grammar wants a decimal: an integer percentage is written as one before it is parsed.
    parse = AmazonStateLanguageParser.parse

    def as_decimals(value):
        if isinstance(value, dict):
            return {
                k: float(v) if k == "ToleratedFailurePercentage" and isinstance(v, int) else as_decimals(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [as_decimals(v) for v in value]
        return value

    def parse_with_decimal_percentages(definition, *args, **kwargs):
        try:
            definition = json.dumps(as_decimals(json.loads(definition)))
        except (TypeError, ValueError):
            pass
        return parse(definition, *args, **kwargs)

    AmazonStateLanguageParser.parse = staticmethod(parse_with_decimal_percentages)

    class TolerantJobPool(JobPool):
        def __init__(self, job_program, job_inputs, allowed):
            super().__init__(job_program=job_program, job_inputs=job_inputs)
            self.allowed = allowed
            self.failures = 0

        def close_job(self, job):
            failure = job.job_output if isinstance(job.job_output, FailureEventException) else None
            if failure is not None and self.failures < self.allowed:
                with self._mutex:
                    self.failures += 1
                    error, cause = failure.extract_error_cause_pair() or (None, None)
                    self._closed_jobs.add(JobClosed(job_index=job.job_index, job_output={"Error": error, "Cause": cause}))
                    self._notify_on_termination()
                return
            super().close_job(job)

    def map_run(self, env, eval_input):
        items = env.stack.pop()
        percentage = float(eval_input.tolerated_failure_percentage or 0)
        count = int(eval_input.tolerated_failure_count or 0)
        allowed = max(math.floor(len(items) * percentage / 100), count)
        pool = TolerantJobPool(self._get_iteration_program(), items, allowed)
        concurrency = eval_input.map_run_record.max_concurrency
        workers = len(items) if concurrency == distributed.DEFAULT_MAX_CONCURRENCY_VALUE else concurrency
        for _ in range(workers):
            self._launch_worker(env=env, eval_input=eval_input, job_pool=pool)
        pool.await_jobs()
        if pool.get_worker_exception() is not None:
            error = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
            details = {"error": error.error_name, "cause": "The specified tolerated failure threshold was exceeded"}
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=error,
                    event_type=HistoryEventType.MapRunFailed,
                    event_details=EventDetails(executionFailedEventDetails=details),
                )
            )
        env.stack.append([closed.job_output for closed in pool.get_closed_jobs()])

    distributed.DistributedIterationComponent._map_run = map_run

    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails
    from localstack.services.stepfunctions.asl.eval.program_state import ProgramError

    eval_job = DistributedItemProcessorWorker._eval_job

    def eval_job_failing(self, env, job):
        eval_job(self, env, job)
        ended = env.program_state()
        if job.job_output is None and isinstance(ended, ProgramError):
            name = ended.error.get("error") or ""
            error = StatesErrorName.from_name(name) if name.startswith("States.") else CustomErrorName(name)
            job.job_output = FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=error,
                    event_type=HistoryEventType.MapIterationFailed,
                    event_details=EventDetails(executionFailedEventDetails=ended.error),
                )
            )

    DistributedItemProcessorWorker._eval_job = eval_job_failing
