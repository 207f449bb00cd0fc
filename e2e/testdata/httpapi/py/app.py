# Python functions of the HTTP API end-to-end tests (e2e/httpapi_test.go).
import base64
import json
import os


def echo(event, context):
    """Answers the event it got (payload 2.0 or 1.0) as a JSON body."""
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}


def route(event, context):
    """Answers which API, stage and route took the request."""
    rc = event.get("requestContext") or {}
    body = {"api": rc.get("apiId"), "stage": rc.get("stage"), "routeKey": event.get("routeKey"),
            "rawPath": event.get("rawPath"), "pathParameters": event.get("pathParameters")}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def shapes(event, context):
    """Answers in the shape GET /shape/{mode} names (payload 2.0 output rules)."""
    mode = (event.get("pathParameters") or {}).get("mode")
    if mode == "string":
        return "Hello"
    if mode == "object":
        return {"hello": "world", "n": 1}
    if mode == "cookies":
        return {"statusCode": 201, "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
                "headers": {"content-type": "text/plain"}, "body": "cookies"}
    if mode == "base64":
        return {"statusCode": 200, "isBase64Encoded": True, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode()}
    if mode == "throw":
        raise RuntimeError("the function failed on purpose")
    return {"statusCode": 400, "body": "unknown mode"}


def _record(event, token):
    """Appends one line per invocation to RECORD_DIR/auth.log: route, tab, token."""
    key = event.get("routeKey") or event.get("resource") or ""
    with open(os.path.join(os.environ["RECORD_DIR"], "auth.log"), "a") as f:
        f.write(key + "\t" + token + "\n")


def simple_auth(event, context):
    """REQUEST authorizer, payload 2.0, simple responses: tokens allow*, deny*, boom."""
    token = (event.get("identitySource") or [""])[0]
    _record(event, token)
    if token == "boom":
        raise RuntimeError("the authorizer failed on purpose")
    if token.startswith("allow"):
        return {"isAuthorized": True, "context": {"user": "ada", "token": token}}
    return {"isAuthorized": False, "context": {"user": "nobody"}}


def policy_auth(event, context):
    """REQUEST authorizer, payload 1.0: an IAM policy, Allow for allow*, else Deny."""
    token = event.get("identitySource") or ""
    _record(event, token)
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "ada",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"user": "ada"},
    }
