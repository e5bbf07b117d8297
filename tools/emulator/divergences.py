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
"""

import json


def install(engine):
    _states_errors_pass_through_maps_and_parallels()
    _result_writer_writes_the_results()


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
