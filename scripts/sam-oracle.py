#!/usr/bin/env python3
"""sam-oracle.py: AWS's own SAM translator as the oracle of apigw's SAM pass.

Usage (from anywhere; needs python3 with aws-sam-translator, which brings
boto3 and PyYAML: pip install aws-sam-translator):

    python3 scripts/sam-oracle.py             regenerate every golden
    python3 scripts/sam-oracle.py NAME ...    only these fixtures (NAME.yaml or a path)
    python3 scripts/sam-oracle.py --check     write nothing; exit 1 when a golden is stale

For each SAM fixture internal/model/testdata/sam/NAME.yaml it writes
NAME.oracle.json next to it: the CloudFormation template samtranslator
(from samtranslator.translator.transform import transform) makes of the
fixture. internal/model/sam_oracle_test.go builds apigw's model from that
JSON and from the fixture through apigw's own SAM pass, and compares what
clients can observe of the two; the differences apigw makes on purpose are
listed, each with its reason, in NAME.oracle-diff.txt (see the test).

The goldens are checked in: `go test` and scripts/test.sh never run this
script. Run it after adding or changing a fixture, or to move to a newer
samtranslator (the version used is recorded in each golden's
Metadata.ApigwOracle), then run `go test ./internal/model/ -run SAMOracle`.

What the script does to the fixture before translating, and why:
- samtranslator only translates packaged templates: a local CodeUri,
  DefinitionUri or ContentUri (a path, not an s3:// URI or a map) is
  replaced by s3://apigw-sam-oracle/<the path as written>. The golden
  keeps those S3 locations (as samtranslator writes them: Code.S3Bucket
  and S3Key, BodyS3Location.Bucket and Key); the test maps every location
  in the bucket apigw-sam-oracle back to the local path, which is what
  apigw's pass writes (Code: <path>, BodyS3Location: <path>).
- CloudFormation runs a snippet's Fn::Transform AWS::Include before the
  template's Transform (macros run from the most deeply nested outward),
  so SAM sees the included definition (its Cors and Auth apply to it;
  samtranslator refuses Cors on a DefinitionBody it cannot read). The
  script does the same for a local Location inside an AWS::Serverless::*
  resource; every other AWS::Include (in plain CloudFormation resources,
  Outputs, ...) is left as it is, for the model's template engine.
- samtranslator wants a managed policy loader (it would list IAM's managed
  policies through boto3): a stub maps a policy name to its ARN
  (arn:aws:iam::aws:policy/NAME) without calling AWS.
- The region is us-east-1 (AWS_DEFAULT_REGION, AWS::Region), the account
  123456789012, the stack name "stack": those of the test, passed as the
  pseudo parameters. No template parameter values are passed:
  samtranslator reads the defaults of the template's Parameters where it
  resolves them itself (AutoPublishAlias, StageName, CodeUri, ...) and
  leaves every other reference and Fn::Sub as it is, for the model's
  template engine (which resolves them with the same defaults).
"""

import argparse
import copy
import glob
import json
import logging
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# samtranslator logs its metrics and feature toggles as warnings
logging.basicConfig(level=logging.ERROR)

try:
    import samtranslator
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
    from samtranslator.model.exceptions import InvalidDocumentException
except ImportError as e:  # pragma: no cover
    sys.exit("sam-oracle: cannot import samtranslator (%s): pip install aws-sam-translator" % e)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "internal", "model", "testdata", "sam")

# The bucket local paths are "uploaded" to; the Go test maps it back.
BUCKET = "apigw-sam-oracle"

PARAMS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "stack",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}

# SAM resource type -> its properties that name local files (and the
# Globals section that may set them).
LOCAL_URIS = {
    "AWS::Serverless::Function": ("Function", ["CodeUri"]),
    "AWS::Serverless::Api": ("Api", ["DefinitionUri"]),
    "AWS::Serverless::HttpApi": ("HttpApi", ["DefinitionUri"]),
    "AWS::Serverless::LayerVersion": ("LayerVersion", ["ContentUri"]),
    "AWS::Serverless::StateMachine": ("StateMachine", ["DefinitionUri"]),
}


class StubPolicyLoader:
    """A managed policy loader that does not call IAM: every name is an AWS
    managed policy of that name."""

    class _Map(dict):
        def get(self, name, default=None):
            if isinstance(name, str) and not name.startswith("arn:"):
                return "arn:aws:iam::aws:policy/" + name
            return default

        def __contains__(self, name):
            return isinstance(name, str)

        def __getitem__(self, name):
            return self.get(name)

    def load(self):
        return StubPolicyLoader._Map()


def is_local(uri):
    return isinstance(uri, str) and uri != "" and not uri.startswith("s3://")


def to_s3(uri):
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    return "s3://%s/%s" % (BUCKET, path)


def package(tpl):
    """Replaces local code and definition paths by S3 URIs, as `sam package`
    would (in place); returns how many."""
    n = 0
    globals_ = tpl.get("Globals")
    if isinstance(globals_, dict):
        for section, props in LOCAL_URIS.values():
            g = globals_.get(section)
            if isinstance(g, dict):
                for p in props:
                    if is_local(g.get(p)):
                        g[p] = to_s3(g[p])
                        n += 1
    for res in (tpl.get("Resources") or {}).values():
        if not isinstance(res, dict) or res.get("Type") not in LOCAL_URIS:
            continue
        props = res.get("Properties")
        if not isinstance(props, dict):
            continue
        for p in LOCAL_URIS[res["Type"]][1]:
            if is_local(props.get(p)):
                props[p] = to_s3(props[p])
                n += 1
    return n


def is_include(v):
    t = v.get("Fn::Transform") if isinstance(v, dict) and len(v) == 1 else None
    return isinstance(t, dict) and t.get("Name") == "AWS::Include"


def inline_includes(v, base):
    """Returns v with each AWS::Include of a local file replaced by the
    file's content (itself with its includes inlined)."""
    if is_include(v):
        loc = ((v["Fn::Transform"].get("Parameters") or {}).get("Location"))
        if isinstance(loc, str) and not loc.startswith("s3://"):
            path = os.path.join(base, loc[len("file://"):] if loc.startswith("file://") else loc)
            with open(path, encoding="utf-8") as f:
                return inline_includes(yaml_parse(f.read()), os.path.dirname(path))
        return v
    if isinstance(v, dict):
        return {k: inline_includes(x, base) for k, x in v.items()}
    if isinstance(v, list):
        return [inline_includes(x, base) for x in v]
    return v


def include_sam_snippets(tpl, base):
    """Inlines the local AWS::Include snippets of the SAM resources, as
    CloudFormation does before the SAM transform (in place)."""
    for res in (tpl.get("Resources") or {}).values():
        if isinstance(res, dict) and str(res.get("Type", "")).startswith("AWS::Serverless::"):
            if "Properties" in res:
                res["Properties"] = inline_includes(res["Properties"], base)


def translate(path):
    with open(path, encoding="utf-8") as f:
        tpl = yaml_parse(f.read())
    include_sam_snippets(tpl, os.path.dirname(path))
    package(tpl)
    out = transform(copy.deepcopy(tpl), dict(PARAMS), StubPolicyLoader())
    meta = out.setdefault("Metadata", {})
    meta["ApigwOracle"] = {
        "Source": os.path.basename(path),
        "Translator": "samtranslator " + samtranslator.__version__,
        "Regenerate": "python3 scripts/sam-oracle.py",
        "LocalPaths": "Code and BodyS3Location in bucket %s are local paths (the key)" % BUCKET,
    }
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Regenerate the samtranslator goldens of the SAM fixtures.")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 when a golden is stale")
    ap.add_argument("fixtures", nargs="*", help="fixture names or paths (default: every internal/model/testdata/sam/*.yaml)")
    args = ap.parse_args()

    if args.fixtures:
        files = []
        for name in args.fixtures:
            p = name if os.path.exists(name) else os.path.join(FIXTURES, name)
            if not p.endswith(".yaml") and not os.path.exists(p):
                p += ".yaml"
            files.append(p)
    else:
        files = sorted(glob.glob(os.path.join(FIXTURES, "*.yaml")))
    if not files:
        sys.exit("sam-oracle: no fixtures in " + FIXTURES)

    failed = stale = 0
    for path in files:
        golden = path[: -len(".yaml")] + ".oracle.json"
        rel = os.path.relpath(golden, ROOT)
        try:
            text = translate(path)
        except InvalidDocumentException as e:
            failed += 1
            msgs = "; ".join(sorted(str(c) for c in e.causes))
            print("%s: samtranslator refuses it: %s" % (os.path.relpath(path, ROOT), msgs), file=sys.stderr)
            continue
        old = None
        if os.path.exists(golden):
            with open(golden, encoding="utf-8") as f:
                old = f.read()
        if old == text:
            print("%s: unchanged" % rel)
            continue
        if args.check:
            stale += 1
            print("%s: stale" % rel)
            continue
        with open(golden, "w", encoding="utf-8") as f:
            f.write(text)
        print("%s: written" % rel)
    if failed or stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
