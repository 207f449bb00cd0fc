def token(event, context):
    ok = event.get("authorizationToken") == "allow"
    return policy("user", ok, event["methodArn"])


def request(event, context):
    headers = event.get("headers") or {}
    ok = headers.get("x-tenant") == "acme"
    return policy("tenant", ok, event.get("methodArn") or event.get("routeArn"))


def simple(event, context):
    headers = event.get("headers") or {}
    return {"isAuthorized": headers.get("x-tenant") == "acme", "context": {"tenant": "acme"}}


def policy(principal, ok, arn):
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow" if ok else "Deny", "Resource": arn}],
        },
    }
