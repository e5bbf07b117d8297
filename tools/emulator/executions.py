"""Step Functions' DescribeExecution, asked at moto's endpoint (as an activity's SDK client asks it),
answered by the engine: an activity that checks whether a lock's owner is still running sees the
engine's real executions. moto's own Step Functions backend knows none of them.
https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
"""


def install(engine):
    from localstack.aws.api.stepfunctions import ExecutionDoesNotExist as EngineDoesNotExist
    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import ExecutionDoesNotExist, InvalidArn
    from moto.stepfunctions.responses import StepFunctionResponse

    def describe_execution(self):
        arn = self._get_param("executionArn")
        if not arn.startswith("arn:aws:states:"):
            raise InvalidArn(f"Invalid Arn: '{arn}'")
        try:
            described = engine.describe(arn)
        except EngineDoesNotExist:
            raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return ActionResult({k: v for k, v in dict(described).items() if v is not None})

    StepFunctionResponse.describe_execution = describe_execution
