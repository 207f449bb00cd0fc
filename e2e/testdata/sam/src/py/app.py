# The python function of the SAM fixtures: it answers what it saw (the
# event, its APP_* environment variables, its settings) as JSON.
import json
import os
import time


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("sleep"):
        time.sleep(float(query["sleep"]))
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Runtime": "python"},
        "body": json.dumps({
            "runtime": "python",
            "function": context.function_name,
            "memory": os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            "remainingMs": context.get_remaining_time_in_millis(),
            "env": {k: v for k, v in os.environ.items() if k.startswith("APP_")},
            "event": event,
        }),
    }
