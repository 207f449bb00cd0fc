"""apigw's bootstrap for the python3.* Lambda runtimes.

apigw runs this file as `python3 bootstrap.py` with the Lambda environment
(_HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_*,
...). It imports the user's handler and speaks the Lambda Runtime API
(2018-06-01) the way AWS's Python runtime (awslambdaric) does: same error
types and messages, same context object, same JSON encoding rules, same log
line formats. Standard library only; Python 3.8 or newer.
"""

import decimal
import http.client
import json
import logging
import math
import os
import sys
import time
import traceback
import urllib.parse

_BOOTSTRAP_FILE = os.path.abspath(__file__)
_API = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
# X-Ray causes larger than this are not sent (AWS drops them above 1 MiB; a
# Go net/http server refuses requests whose headers exceed 1 MiB in total).
_XRAY_CAUSE_MAX = 32 * 1024
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as in awslambdaric
LAMBDA_WARNING = "LAMBDA_WARNING"
UNHANDLED_EXCEPTION_WARNING = (
    LAMBDA_WARNING + ": "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class FaultException(Exception):
    """A failure the runtime itself reports, with an AWS Runtime.* type."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class RuntimeAPIError(Exception):
    """The Runtime API answered with an unexpected status."""

    def __init__(self, endpoint, status, body):
        super().__init__(
            "Request to Lambda Runtime '{}' endpoint failed. Reason: '{}'. "
            "Response body: '{}'".format(endpoint, status, body)
        )
        self.status = status


# ---------------------------------------------------------------------------
# JSON, encoded the way awslambdaric's simplejson encoder does it.


def _ensure_ascii():
    # awslambdaric writes non-ASCII characters unescaped from python3.12 on.
    prefix = "AWS_Lambda_python3."
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    if env.startswith(prefix):
        try:
            return int(env[len(prefix):]) < 12
        except ValueError:
            pass
    return True


_SCALARS = (str, bytes, int, float, type(None), decimal.Decimal)


def _namedtuples_as_objects(obj, active=None):
    """Returns obj with namedtuples (tuples with an _asdict method) turned into
    dicts, as simplejson's namedtuple_as_object does. Containers are copied
    only where something changed; cycles are left for the encoder to report."""
    if isinstance(obj, _SCALARS):
        return obj
    if active is None:
        active = set()
    if isinstance(obj, tuple):
        asdict = getattr(obj, "_asdict", None)
        if callable(asdict):
            converted = asdict()
            if isinstance(converted, dict):
                return _namedtuples_as_objects(dict(converted), active)
    if isinstance(obj, dict):
        if id(obj) in active:
            return obj
        active.add(id(obj))
        out = None
        for k, v in obj.items():
            if isinstance(v, _SCALARS):
                continue
            nv = _namedtuples_as_objects(v, active)
            if nv is not v:
                if out is None:
                    out = dict(obj)
                out[k] = nv
        active.discard(id(obj))
        return obj if out is None else out
    if isinstance(obj, (list, tuple)):
        if id(obj) in active:
            return obj
        active.add(id(obj))
        out = None
        for i, v in enumerate(obj):
            if isinstance(v, _SCALARS):
                continue
            nv = _namedtuples_as_objects(v, active)
            if nv is not v:
                if out is None:
                    out = list(obj)
                out[i] = nv
        active.discard(id(obj))
        return obj if out is None else out
    return obj


class _Encoder(json.JSONEncoder):
    """stdlib JSON with awslambdaric's rules: NaN/Infinity allowed, Decimal
    written as its exact digits, objects with _asdict() written as objects."""

    _marker = "\x00apigw-decimal-" + os.urandom(6).hex() + "-"

    def __init__(self):
        super().__init__(ensure_ascii=_ensure_ascii(), allow_nan=True)
        self._raw = []

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            self._raw.append(str(o))
            return "%s%d\x00" % (self._marker, len(self._raw) - 1)
        asdict = getattr(o, "_asdict", None)
        if callable(asdict):
            d = asdict()
            if not isinstance(d, dict):
                raise TypeError(
                    "_asdict() must return a dict, not %s" % type(d).__name__
                )
            return d
        return super().default(o)

    def encode(self, o):
        self._raw = []
        out = super().encode(_namedtuples_as_objects(o))
        for i, raw in enumerate(self._raw):
            token = json.dumps("%s%d\x00" % (self._marker, i))
            out = out.replace(token, raw, 1)
        return out


def to_json(obj):
    return _Encoder().encode(obj)


def _ascii_json(obj):
    return json.dumps(obj, ensure_ascii=True, default=str)


def unmarshal_request(body, content_type):
    # AWS passes the raw bytes through for a non-JSON content type. A missing
    # Content-Type (or one with parameters) is taken as JSON here, so that a
    # Runtime API server that leaves the header out still works.
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR,
            "Unable to unmarshal input: {}".format(str(e)),
            None,
        )


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR,
            "Unable to marshal response: {}".format(str(e)),
            None,
        )


# ---------------------------------------------------------------------------
# Context object (attribute names, types and repr as awslambdaric's).


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"custom={self.custom},"
            f"env={self.env},"
            f"client={self.client}"
            "])"
        )


def _obj_from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field, None))
    return obj


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on AWS (awslambdaric reads it from the environment).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            client = self.client_context.client
            self.client_context.client = (
                _obj_from_dict(Client, client) if isinstance(client, dict) else None
            )

        self.identity = _obj_from_dict(CognitoIdentity, {})
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get(
                "cognitoIdentityId"
            )
            self.identity.cognito_identity_pool_id = cognito_identity.get(
                "cognitoIdentityPoolId"
            )

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        epoch_now_in_ms = int(time.time() * 1000)
        delta_ms = self._epoch_deadline_time_in_ms - epoch_now_in_ms
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        _write_stdout(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


def create_lambda_context(inv):
    client_context = None
    if inv.client_context:
        client_context = _parse_json_header(inv.client_context, "Client Context")
    cognito_identity = None
    if inv.cognito_identity:
        cognito_identity = _parse_json_header(
            inv.cognito_identity, "Cognito Identity"
        )
    return LambdaContext(
        inv.request_id,
        client_context,
        cognito_identity,
        inv.deadline_ms,
        inv.function_arn,
        inv.tenant_id,
    )


# ---------------------------------------------------------------------------
# Output and logging.


class Unbuffered(object):
    """Flushes after every write, as the AWS runtime's stdout/stderr do."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _write_stdout(msg):
    try:
        sys.stdout.write(msg)
    except UnicodeEncodeError:
        enc = getattr(sys.stdout, "encoding", None) or "ascii"
        sys.stdout.write(msg.encode(enc, "backslashreplace").decode(enc))


def _flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


_request_id = None
_tenant_id = None


def _log_format_json():
    return (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"


def _log_level_from_env():
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(level, level).upper()


_JSON_RESERVED = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename",
    "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName",
    "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}


class JsonFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON lines, as awslambdaric writes them."""

    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelno = levelno
        record.levelname = logging.getLevelName(levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": (
                f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None
            ),
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update(
            (k, v)
            for k, v in record.__dict__.items()
            if k not in _JSON_RESERVED and k not in result
        )
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            _write_stdout(self.format(record))
        except Exception:
            self.handleError(record)


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


def setup_logging():
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = LambdaLoggerHandler()
    if _log_format_json():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    level = _log_level_from_env()
    if level in logging._nameToLevel:
        logger.setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)


def _replace_line_indentation(line, indent_char, new_indent_char):
    n = 0
    for c in line:
        if c != indent_char:
            break
        n += 1
    return (new_indent_char * n) + line[n:]


def log_error(error_result):
    """Writes the "[ERROR] Type: message" record AWS logs for a failure."""
    if _log_format_json():
        rec = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "log_level": "ERROR",
        }
        rec.update(error_result)
        _write_stdout(to_json(rec) + "\n")
        return
    description = "[ERROR]"
    etype = error_result.get("errorType")
    if etype:
        description += " " + etype
    emsg = error_result.get("errorMessage")
    if emsg:
        if etype:
            description += ":"
        description += " " + emsg
    lines = [description]
    stack = error_result.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
            else:
                for tl in element.splitlines():
                    lines.append(_replace_line_indentation(tl, " ", ERROR_LOG_IDENT))
    _write_stdout(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---------------------------------------------------------------------------
# Errors.


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """Traceback tuples with this bootstrap's leading frames dropped."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if os.path.abspath(frame[0]) != _BOOTSTRAP_FILE:
            return frames[i:]
    return frames


def make_xray_fault(ex_type, ex_msg, working_dir, frames):
    stack = []
    paths = []
    for filename, lineno, name, _ in frames:
        stack.append({"label": name, "path": filename, "line": lineno})
        if filename not in paths:
            paths.append(filename)
    return {
        "working_directory": working_dir,
        "exceptions": [{"message": ex_msg, "type": ex_type, "stack": stack}],
        "paths": paths,
    }


def build_fault_result(exc_info, invoke_id=None):
    etype, value, tb = exc_info
    frames = _user_frames(tb)
    error = make_error(
        str(value), etype.__name__, traceback.format_list(frames), invoke_id
    )
    return error, make_xray_fault(etype.__name__, str(value), os.getcwd(), frames)


# ---------------------------------------------------------------------------
# Handler loading.


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME,
            "Bad handler '{}': {}".format(handler, str(e)),
        )

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )


# ---------------------------------------------------------------------------
# Runtime API client: one persistent HTTP/1.1 connection, no timeout.


class Invocation(object):
    __slots__ = [
        "request_id",
        "deadline_ms",
        "function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "tenant_id",
        "content_type",
        "body",
    ]


class RuntimeClient(object):
    def __init__(self, address):
        self.address = address
        self.conn = None
        self.user_agent = "apigw-lambda-python/%d.%d.%d" % sys.version_info[:3]

    def _request(self, method, path, body=None, headers=None):
        hdrs = {"User-Agent": self.user_agent}
        if headers:
            hdrs.update(headers)
        while True:
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.address, timeout=None)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if reused:
                    continue  # a kept-alive connection went stale: once more
                raise
            if resp.will_close:
                self.conn.close()
                self.conn = None
            return resp, data

    def next(self):
        path = _API + "/invocation/next"
        resp, body = self._request("GET", path)
        if resp.status != 200:
            raise RuntimeAPIError(path, resp.status, body)
        inv = Invocation()
        inv.request_id = resp.getheader("Lambda-Runtime-Aws-Request-Id") or ""
        try:
            inv.deadline_ms = int(resp.getheader("Lambda-Runtime-Deadline-Ms") or 0)
        except ValueError:
            inv.deadline_ms = 0
        inv.function_arn = resp.getheader("Lambda-Runtime-Invoked-Function-Arn")
        inv.trace_id = resp.getheader("Lambda-Runtime-Trace-Id") or None
        inv.client_context = resp.getheader("Lambda-Runtime-Client-Context") or None
        inv.cognito_identity = resp.getheader("Lambda-Runtime-Cognito-Identity") or None
        inv.tenant_id = resp.getheader("Lambda-Runtime-Aws-Tenant-Id") or None
        inv.content_type = resp.getheader("Content-Type") or None
        inv.body = body
        return inv

    def _post(self, path, body, headers):
        resp, data = self._request("POST", path, body, headers)
        if resp.status == 202:
            return
        if resp.status >= 500:
            # The Runtime API's "container error": the runtime must exit.
            raise RuntimeAPIError(path, resp.status, data)
        sys.stderr.write(str(RuntimeAPIError(path, resp.status, data)) + "\n")

    def post_response(self, request_id, body, content_type):
        path = "%s/invocation/%s/response" % (_API, urllib.parse.quote(request_id, safe=""))
        self._post(path, body, {"Content-Type": content_type})

    def post_error(self, request_id, error, xray_fault):
        path = "%s/invocation/%s/error" % (_API, urllib.parse.quote(request_id, safe=""))
        headers = {
            "Content-Type": "application/json",
            ERROR_TYPE_HEADER: "Unhandled",
        }
        cause = _ascii_json(xray_fault)
        if len(cause) <= _XRAY_CAUSE_MAX:
            headers[XRAY_CAUSE_HEADER] = cause
        self._post(path, to_json(error).encode("utf-8"), headers)

    def post_init_error(self, error):
        path = _API + "/init/error"
        headers = {
            "Content-Type": "application/json",
            ERROR_TYPE_HEADER: _header_safe(error["errorType"]),
        }
        resp, data = self._request("POST", path, to_json(error).encode("utf-8"), headers)
        if resp.status != 202:
            raise RuntimeAPIError(path, resp.status, data)


def _header_safe(value):
    return "".join(c if " " <= c <= "~" else "?" for c in value)


# ---------------------------------------------------------------------------
# The loop.


def update_xray_env_variable(trace_id):
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def handle_event_request(client, request_handler, inv):
    error_result = None
    xray_fault = None
    try:
        context = create_lambda_context(inv)
        event = unmarshal_request(inv.body, inv.content_type)
        response = request_handler(event, context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        xray_fault = make_xray_fault("LambdaValidationError", e.msg, os.getcwd(), [])
        error_result = make_error(e.msg, e.exception_type, e.trace, inv.request_id)
    except Exception:
        error_result, xray_fault = build_fault_result(sys.exc_info(), inv.request_id)

    if error_result is not None:
        log_error(error_result)
        _flush_output()
        client.post_error(inv.request_id, error_result, xray_fault)
    else:
        _flush_output()
        client.post_response(inv.request_id, result, content_type)


def _prepare_sys_path(task_root):
    # sys.path[0] is this script's directory; the user's code must not see it
    # (a module of theirs named "bootstrap" would resolve to this file).
    here = os.path.dirname(_BOOTSTRAP_FILE)
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    while task_root in sys.path:
        sys.path.remove(task_root)
    sys.path.insert(0, task_root)


def main():
    global _request_id, _tenant_id

    handler_name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api:
        sys.stderr.write("bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 2
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _prepare_sys_path(os.path.abspath(task_root))

    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    client = RuntimeClient(api)

    error_result = None
    try:
        setup_logging()
        request_handler = get_handler(handler_name)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_result, _ = build_fault_result(sys.exc_info())

    if error_result is not None:
        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result)
        _flush_output()
        try:
            client.post_init_error(error_result)
        except Exception as e:
            sys.stderr.write("bootstrap: posting the init error failed: %s\n" % e)
        _flush_output()
        return 1

    while True:
        inv = client.next()
        _request_id = inv.request_id
        _tenant_id = inv.tenant_id
        update_xray_env_variable(inv.trace_id)
        handle_event_request(client, request_handler, inv)
        _flush_output()


if __name__ == "__main__":
    sys.exit(main())
