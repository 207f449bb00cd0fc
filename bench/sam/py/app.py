"""PyFunction of bench/sam/template.yaml: answers GET /Prod/py with a small fixed JSON."""

import json

BODY = json.dumps({"ok": True}, separators=(",", ":"))
HEADERS = {"Content-Type": "application/json"}


def handler(event, context):
    return {"statusCode": 200, "headers": HEADERS, "body": BODY}
