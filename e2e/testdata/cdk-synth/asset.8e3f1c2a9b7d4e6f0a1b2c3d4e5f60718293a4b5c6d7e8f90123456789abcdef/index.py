import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "hello": "from cdk synth",
            "method": event["httpMethod"],
            "resource": event["resource"],
            "proxy": (event.get("pathParameters") or {}).get("proxy", ""),
            "stage": event["requestContext"]["stage"],
            "function": context.function_name,
        }),
    }
