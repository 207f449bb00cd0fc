import json
import os


def handler(event, context):
    path = event.get("rawPath") or event.get("path")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"path": path, "stage": os.environ.get("STAGE")}),
    }
