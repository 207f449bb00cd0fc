import json
import os


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "greeting": os.environ.get("GREETING", ""),
            "stage": os.environ.get("STAGE_NAME", ""),
            "path": event["path"],
            "resource": event["resource"],
            "requestStage": event["requestContext"]["stage"],
            "function": context.function_name,
        }),
    }
