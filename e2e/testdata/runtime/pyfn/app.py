# A python function given as local code with --config (functions.LocalFn.code):
# the template says its code is in S3. It echoes the API Gateway event and
# reports its environment, like the inline echo functions of functions.yaml.
import json
import os

ENV_NAMES = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
             "AWS_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "LAMBDA_RUNTIME_DIR"]


def handler(event, context):
    body = {
        "lang": "python-local",
        "pid": os.getpid(),
        "event": event,
        "env": {n: os.environ.get(n) for n in ENV_NAMES},
        "context": {
            "functionName": context.function_name,
            "memoryLimitInMB": context.memory_limit_in_mb,
            "remainingMs": context.get_remaining_time_in_millis(),
            "awsRequestId": context.aws_request_id,
        },
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
