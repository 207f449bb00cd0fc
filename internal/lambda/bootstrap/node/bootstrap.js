/**
 * apigw's bootstrap for the nodejs* Lambda runtimes.
 *
 * apigw runs this file as `node bootstrap.js` with the Lambda environment
 * (_HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_*,
 * ...). It loads the user's handler and speaks the Lambda Runtime API
 * (2018-06-01) the way AWS's Node.js runtime (aws-lambda-nodejs-runtime-
 * interface-client) does: same module resolution, error types and messages,
 * context object, callback / promise semantics and console line formats.
 *
 * Two generations of that runtime behave differently, chosen from
 * AWS_EXECUTION_ENV:
 *  - nodejs18.x .. nodejs22.x (and when unset): handlers may be async, return
 *    a promise, or take a callback; a plain return value is ignored and the
 *    invocation ends with `null` once the event loop is empty
 *    (callbackWaitsForEmptyEventLoop).
 *  - nodejs24.x and later: callback handlers are refused at init
 *    (Runtime.CallbackHandlerDeprecated); the handler's return value, plain
 *    or promised, is the result.
 *
 * CommonJS, Node 18+, built-in modules only.
 */

'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { Writable } = require('stream');
const { pathToFileURL } = require('url');

const API = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const XRAY_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';
const XRAY_CAUSE_MAX = 32 * 1024;
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for(
  'aws.lambda.runtime.handler.streaming.highWaterMark',
);
const STREAM_RESPONSE = 'response';

function runtimeMajor() {
  const m = /^AWS_Lambda_nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV || '');
  return m ? parseInt(m[1], 10) : 0;
}

// MODERN selects the behaviour of AWS's Node.js 24+ runtime.
const MODERN = runtimeMajor() >= 24;

// ---------------------------------------------------------------------------
// Errors

function runtimeError(name, init) {
  const cls = class extends Error {
    constructor(...args) {
      super(...args);
      if (init) init.apply(this, args);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  cls.prototype.name = `Runtime.${name}`;
  return cls;
}

const ImportModuleError = runtimeError('ImportModuleError');
const HandlerNotFound = runtimeError('HandlerNotFound');
const MalformedHandlerName = runtimeError('MalformedHandlerName');
const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError', function (
  orig,
) {
  // The 24+ runtime keeps the original stack; older ones show where the
  // runtime wrapped it.
  if (MODERN && orig && typeof orig.stack === 'string') this.stack = orig.stack;
});
const MalformedStreamingHandler = runtimeError('MalformedStreamingHandler');
const CallbackHandlerDeprecated = runtimeError('CallbackHandlerDeprecated');
const JSONStringifyError = runtimeError('JSONStringifyError');
const NodeJsExit = runtimeError('NodeJsExit');
const UnhandledPromiseRejection = runtimeError(
  'UnhandledPromiseRejection',
  function (reason, promise) {
    this.reason = reason;
    this.promise = promise;
  },
);

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';
const CALLBACK_ERROR_NODEJS24_ABOVE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const CALLBACK_WARNING =
  'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.';

function isErrorLike(obj) {
  return (
    obj &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string' &&
    obj.name &&
    obj.message &&
    obj.stack
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** The body AWS's runtime posts for a failure: {errorType, errorMessage, trace}. */
function toRapidResponse(error) {
  try {
    if (
      util.types.isNativeError(error) ||
      error instanceof Error ||
      isErrorLike(error)
    ) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace:
          typeof error.stack === 'string'
            ? error.stack.replaceAll('\x7F', '%7F').split('\n')
            : [],
      };
    }
    return {
      errorType: typeof error,
      errorMessage: String(error),
      trace: [],
    };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const ret = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
    return ret;
  }
  return value;
}

/** "\t{...}": how the runtime renders an error in a text log line. */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/** X-Ray error cause, as the runtime sends it with an invocation error. */
function xrayCause(err) {
  try {
    const stack = [];
    if (err && typeof err.stack === 'string') {
      const lines = err.stack.replace(/\x7F/g, '%7F').split('\n');
      lines.shift();
      for (const stackLine of lines) {
        let line = stackLine.trim().replace(/\(|\)/g, '');
        line = line.substring(line.indexOf(' ') + 1);
        const label =
          line.lastIndexOf(' ') >= 0 ? line.slice(0, line.lastIndexOf(' ')) : null;
        const p = (
          !label ? line : line.slice(line.lastIndexOf(' ') + 1)
        ).split(':');
        stack.push({ path: p[0], line: parseInt(p[1]), label: label || 'anonymous' });
      }
    }
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [
        {
          type: err?.name?.replace(/\x7F/g, '%7F'),
          message: err?.message?.replace(/\x7F/g, '%7F'),
          stack,
        },
      ],
      paths: Array.from(new Set(stack.map((e) => e.path))),
    });
  } catch (_err) {
    return '';
  }
}

// ---------------------------------------------------------------------------
// Console

let currentRequestId; // undefined until the first invocation, as on AWS
let currentTenantId;

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

const JSON_LOGS =
  (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function jsonErrorReplacer(_k, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace:
          typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJsonMessage(level, message, params) {
  const result = {
    timestamp: new Date().toISOString(),
    level: level.name,
    requestId: currentRequestId,
  };
  if (currentTenantId !== undefined && currentTenantId !== null) {
    result.tenantId = currentTenantId;
  }
  if (params.length === 0) {
    result.message = message;
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_err) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(message, ...params);
  for (const param of params) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace =
        typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

function writeLog(level, message, params) {
  let line = JSON_LOGS
    ? formatJsonMessage(level, message, params)
    : `${new Date().toISOString()}\t${currentRequestId}\t${level.name}\t${util.format(message, ...params)}`;
  line = line.replace(/\n/g, '\r');
  process.stdout.write(line + '\n');
}

function patchConsole() {
  const minLevel =
    LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] ??
    LEVELS.TRACE;
  const nop = () => {};
  const make = (level) =>
    level.priority >= minLevel.priority
      ? (msg, ...params) => writeLog(level, msg, params)
      : nop;
  console.trace = make(LEVELS.TRACE);
  console.debug = make(LEVELS.DEBUG);
  console.info = make(LEVELS.INFO);
  console.log = console.info;
  console.warn = make(LEVELS.WARN);
  console.error = make(LEVELS.ERROR);
  console.fatal = (msg, ...params) => writeLog(LEVELS.FATAL, msg, params);
}

function logError(msg, err) {
  if (JSON_LOGS) console.error(intoError(err));
  else console.error(msg, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client: one kept-alive connection (idle sockets are unref'd by
// the agent, so they do not hold the event loop open), no client timeout.

class RAPIDClient {
  constructor(hostPort) {
    const i = hostPort.lastIndexOf(':');
    this.hostname = hostPort.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    this.port = parseInt(hostPort.slice(i + 1), 10);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  request(method, urlPath, body, headers) {
    const hdrs = Object.assign({}, headers || {});
    if (body !== undefined) hdrs['Content-Length'] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const attempt = (retried) => {
        const req = http.request(
          {
            hostname: this.hostname,
            port: this.port,
            path: urlPath,
            method,
            headers: hdrs,
            agent: this.agent,
          },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode,
                headers: res.headers,
                body: Buffer.concat(chunks),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', (err) => {
          // A kept-alive socket the server has closed: try once on a new one.
          if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
            attempt(true);
          } else {
            reject(err);
          }
        });
        req.end(body);
      };
      attempt(false);
    });
  }

  async nextInvocation() {
    const p = `${API}/invocation/next`;
    const res = await this.request('GET', p);
    if (res.status !== 200) {
      throw new Error(
        `Request to Lambda Runtime '${p}' endpoint failed. Reason: '${res.status}'. Response body: '${res.body}'`,
      );
    }
    return { bodyJson: res.body.toString('utf-8'), headers: res.headers };
  }

  async post(urlPath, body, headers) {
    const res = await this.request('POST', urlPath, body, headers);
    if (res.status === 202) return;
    const msg = `Request to Lambda Runtime '${urlPath}' endpoint failed. Reason: '${res.status}'. Response body: '${res.body}'`;
    if (res.status >= 500) {
      // The Runtime API's "container error": the runtime must exit.
      process.stderr.write(msg + '\n');
      process.exit(1);
    }
    process.stderr.write(msg + '\n');
  }

  /** Serializes synchronously (so a failure throws to the caller), then posts. */
  postInvocationResponse(response, id) {
    const body = serializeResponse(response);
    return this.post(
      `${API}/invocation/${encodeURIComponent(id)}/response`,
      body,
      { 'Content-Type': 'application/json' },
    );
  }

  postRawResponse(body, contentType, id) {
    return this.post(`${API}/invocation/${encodeURIComponent(id)}/response`, body, {
      'Content-Type': contentType,
    });
  }

  postInvocationError(error, id) {
    const body = JSON.stringify(toRapidResponse(error));
    const headers = {
      'Content-Type': 'application/json',
      [ERROR_TYPE_HEADER]: 'Unhandled',
    };
    const cause = asciiHeader(xrayCause(error));
    if (cause && cause.length <= XRAY_CAUSE_MAX) headers[XRAY_CAUSE_HEADER] = cause;
    return this.post(`${API}/invocation/${encodeURIComponent(id)}/error`, body, headers);
  }

  postInitError(error) {
    const response = toRapidResponse(error);
    return this.post(`${API}/init/error`, JSON.stringify(response), {
      'Content-Type': 'application/json',
      [ERROR_TYPE_HEADER]: asciiHeader(String(response.errorType)),
    });
  }
}

/** Escapes what HTTP header values cannot carry. */
function asciiHeader(s) {
  return s.replace(/[^\x20-\x7e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 0x09 ? ' ' : '\\u' + code.toString(16).padStart(4, '0');
  });
}

function serializeResponse(value) {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch (_err) {
    if (MODERN) throw new JSONStringifyError('Unable to stringify response body');
    throw new Error('Unable to stringify response body');
  }
}

// ---------------------------------------------------------------------------
// Loading the handler

function moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(
    0,
    fullHandlerString.indexOf(handlerString),
  );
  return [moduleRoot, handlerString];
}

function splitHandlerString(handler) {
  const match = handler.match(/^([^.]*)\.(.*)$/);
  if (!match || match.length !== 3) {
    throw new MalformedHandlerName('Bad handler');
  }
  return [match[1], match[2]];
}

function tryRequireFile(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? require(p) : undefined;
}

async function tryAwaitImport(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? await import(pathToFileURL(p).href) : undefined;
}

function hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(
        `${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  if (folder === '/') return false;
  return hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

function hasPackageJsonTypeModule(file) {
  const jsPath = file + '.js';
  return fs.existsSync(jsPath)
    ? hasFolderPackageJsonTypeModule(path.resolve(path.dirname(jsPath)))
    : false;
}

// The loading order of the nodejs18.x-22.x runtimes: require() first, ES
// modules through import() for .mjs and for .js under "type": "module".
async function tryRequireClassic(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const pjHasModule = hasPackageJsonTypeModule(lambdaStylePath);
  if (!pjHasModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (pjHasModule && (await tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await tryAwaitImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;

  const nodeStylePath = require.resolve(module, { paths: [appRoot, moduleRoot] });
  return require(nodeStylePath);
}

// The loading order of the nodejs24.x+ runtime: import() for every extension.
async function tryRequireModern(appRoot, moduleRoot, module) {
  const base = path.resolve(appRoot, moduleRoot, module);
  for (const ext of ['', '.js', '.mjs', '.cjs']) {
    const loaded = await tryAwaitImport(base, ext);
    if (loaded) return loaded;
  }
  const resolved = require.resolve(module, {
    paths: [appRoot, path.join(appRoot, moduleRoot)],
  });
  return require(resolved);
}

async function loadUserApp(appRoot, moduleRoot, module) {
  try {
    return MODERN
      ? await tryRequireModern(appRoot, moduleRoot, module)
      : await tryRequireClassic(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
}

function resolveHandler(object, nestedProperty) {
  const find = (root) =>
    nestedProperty
      .split('.')
      .reduce(
        (nested, key) =>
          MODERN
            ? nested && typeof nested === 'object'
              ? nested[key]
              : undefined
            : nested && nested[key],
        root,
      );
  let handler = find(object);
  if (
    MODERN &&
    !handler &&
    typeof object === 'object' &&
    object !== null &&
    'default' in object
  ) {
    handler = find(object.default);
  }
  return handler;
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandlerString);
  const [module, handlerPath] = splitHandlerString(moduleAndHandler);
  const userApp = await loadUserApp(appRoot, moduleRoot, module);
  const handlerFunc = resolveHandler(userApp, handlerPath);
  if (!handlerFunc) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handlerFunc !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handlerFunc;
}

function handlerMetadata(fn) {
  const flag = fn[HANDLER_STREAMING];
  let streaming = false;
  if (flag !== undefined && flag !== null && flag !== false) {
    if (flag !== STREAM_RESPONSE) {
      throw new MalformedStreamingHandler('Only response streaming is supported.');
    }
    streaming = true;
  }
  let isAsync = false;
  try {
    isAsync = fn.constructor && fn.constructor.name === 'AsyncFunction';
  } catch (_err) {
    isAsync = false;
  }
  return { streaming, isAsync, argsNum: fn.length };
}

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(
      'application/vnd.awslambda.http-integration-response',
    );
    underlyingStream.write(JSON.stringify(prelude));
    underlyingStream.write(new Uint8Array(8));
    return underlyingStream;
  }
}

function setupGlobals() {
  const off = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

// ---------------------------------------------------------------------------
// Invocation context

function lowerKeys(h) {
  const out = {};
  for (const k of Object.keys(h)) out[k.toLowerCase()] = h[k];
  return out;
}

function parseJsonHeader(value, name) {
  if (value === undefined || (MODERN && !value)) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    if (MODERN) throw new Error(`Failed to parse ${name} as JSON: ${err.message}`);
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function forwardXRay(traceId) {
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
  else delete process.env._X_AMZN_TRACE_ID;
}

/** Copies invocation and environment data onto ctx (AWS's context fields). */
function attachEnvironmentData(ctx, headers) {
  const deadline = MODERN
    ? parseInt(headers['lambda-runtime-deadline-ms'], 10)
    : headers['lambda-runtime-deadline-ms'];
  const data = {
    clientContext: parseJsonHeader(
      headers['lambda-runtime-client-context'],
      MODERN ? 'lambda-runtime-client-context' : 'ClientContext',
    ),
    identity: parseJsonHeader(
      headers['lambda-runtime-cognito-identity'],
      MODERN ? 'lambda-runtime-cognito-identity' : 'CognitoIdentity',
    ),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: function () {
      return deadline - Date.now();
    },
  };
  if (MODERN) data.xRayTraceId = headers['lambda-runtime-trace-id'];
  forwardXRay(headers['lambda-runtime-trace-id']);
  return Object.assign(
    ctx,
    {
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    data,
  );
}

// ---------------------------------------------------------------------------
// The runtime

const NO_OP = () => {};
let beforeExitListener = NO_OP;
process.on('beforeExit', () => beforeExitListener());

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

class Runtime {
  constructor(client, handler, metadata) {
    this.client = client;
    this.handler = handler;
    this.metadata = metadata;
    this.errorCallbacks = {
      uncaughtException: (error) => this.exitAfter(client.postInitError(error), 129),
      unhandledRejection: (error) => this.exitAfter(client.postInitError(error), 128),
    };
  }

  exitAfter(promise, code) {
    Promise.resolve(promise)
      .catch((e) => process.stderr.write(`${e}\n`))
      .finally(() => process.exit(code));
  }

  setErrorCallbacks(invokeId) {
    this.errorCallbacks.uncaughtException = (error) =>
      this.exitAfter(this.client.postInvocationError(error, invokeId), 129);
    this.errorCallbacks.unhandledRejection = (error) =>
      this.exitAfter(this.client.postInvocationError(error, invokeId), 128);
  }

  scheduleIteration() {
    setImmediate(() => {
      const once = this.metadata.streaming
        ? this.handleOnceStreaming()
        : MODERN
          ? this.handleOnceModern()
          : this.handleOnceClassic();
      once.catch((err) => {
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        process.stderr.write(`bootstrap: ${err && err.stack ? err.stack : err}\n`);
        process.exit(1);
      });
    });
  }

  async next() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const h = lowerKeys(headers);
    const invokeId = h['lambda-runtime-aws-request-id'];
    if (!invokeId) throw new Error('invocation id is missing or invalid');
    currentRequestId = invokeId;
    currentTenantId = h['lambda-runtime-aws-tenant-id'];
    return { bodyJson, headers: h, invokeId };
  }

  // nodejs18.x-22.x: callback, promise and async handlers; results of
  // callbacks are sent once the event loop is empty unless
  // context.callbackWaitsForEmptyEventLoop is false.
  async handleOnceClassic() {
    const { bodyJson, headers, invokeId } = await this.next();
    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      invokeId,
      () => this.scheduleIteration(),
    );
    try {
      this.setErrorCallbacks(invokeId);
      beforeExitListener = () => {
        markCompleted();
        if (this.metadata.isAsync) {
          const err = new NodeJsExit(NODEJS_EXIT_MESSAGE);
          logError('Invoke Error', err);
          this.client
            .postInvocationError(err, invokeId)
            .then(() => this.scheduleIteration());
        } else {
          this.client
            .postInvocationResponse(null, invokeId)
            .then(() => this.scheduleIteration());
        }
      };
      const result = this.handler(
        JSON.parse(bodyJson),
        attachEnvironmentData(callbackContext, headers),
        callback,
      );
      if (isPromise(result)) {
        result
          .then(callbackContext.succeed, callbackContext.fail)
          .catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  // nodejs24.x+: the (awaited) return value is the result.
  async handleOnceModern() {
    const { bodyJson, headers, invokeId } = await this.next();
    this.setErrorCallbacks(invokeId);
    let settled = false;
    beforeExitListener = () => {
      // The handler's promise can never settle now.
      if (settled) return;
      settled = true;
      const err = new NodeJsExit(NODEJS_EXIT_MESSAGE);
      logError('Invoke Error', err);
      this.client
        .postInvocationError(err, invokeId)
        .then(() => this.scheduleIteration());
    };
    let outcome;
    try {
      const context = attachEnvironmentData({}, headers);
      const result = await this.handler(JSON.parse(bodyJson), context);
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return;
      outcome = this.client.postInvocationResponse(result, invokeId);
    } catch (err) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return;
      logError('Invoke Error', err);
      outcome = this.client.postInvocationError(err, invokeId);
    }
    settled = true;
    beforeExitListener = NO_OP;
    await outcome;
    this.scheduleIteration();
  }

  // awslambda.streamifyResponse handlers. apigw invokes functions with the
  // buffered Invoke API, so what the handler writes is collected and posted
  // as one response with the stream's content type.
  async handleOnceStreaming() {
    const { bodyJson, headers, invokeId } = await this.next();
    this.setErrorCallbacks(invokeId);
    beforeExitListener = NO_OP;
    const chunks = [];
    let contentType = 'application/octet-stream';
    const stream = new Writable({
      highWaterMark: this.metadata.highWaterMark,
      write(chunk, encoding, cb) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
        cb();
      },
    });
    stream.setContentType = (ct) => {
      contentType = ct;
    };
    let outcome;
    try {
      const ctx = attachEnvironmentData(
        MODERN ? {} : buildCallbackContext(this.client, invokeId, NO_OP)[1],
        headers,
      );
      const result = this.handler(JSON.parse(bodyJson), stream, ctx);
      if (!isPromise(result)) {
        throw new Error('Streaming does not support non-async handlers.');
      }
      if ((await result) !== undefined) {
        console.warn('Streaming handlers ignore return values.');
      }
      if (stream.writableEnded && !stream.writableFinished) {
        await new Promise((resolve, reject) => {
          stream.once('finish', resolve);
          stream.once('error', reject);
        });
      }
      if (!stream.writableFinished) throw new Error('Response stream is not finished.');
      outcome = this.client.postRawResponse(Buffer.concat(chunks), contentType, invokeId);
    } catch (err) {
      logError('Invoke Error', err);
      outcome = this.client.postInvocationError(err, invokeId);
    }
    await outcome;
    this.scheduleIteration();
  }
}

/**
 * The callback, the context's succeed/fail/done and its
 * callbackWaitsForEmptyEventLoop flag, as the nodejs18.x-22.x runtimes build
 * them: only the first of them to be called counts.
 */
function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id).then(scheduleNext);
  };

  let isCompleteInvoked = false;
  const complete = (result) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id).then(scheduleNext);
  };

  let waitForEmptyEventLoop = true;

  const callback = function (err, result) {
    beforeExitListener = NO_OP;
    if (err !== undefined && err !== null) {
      postError(err);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      beforeExitListener = () => {
        // A serialization failure here is an uncaught exception, as on AWS.
        setImmediate(() => complete(result));
      };
    }
  };
  const done = (err, result) => {
    beforeExitListener = NO_OP;
    if (err !== undefined && err !== null) postError(err);
    else complete(result);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => {
    if (err === undefined || err === null) done('handled');
    else done(err, null);
  };

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
  };

  let finished = false;
  const onlyFirst = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };
  context.succeed = onlyFirst(succeed);
  context.fail = onlyFirst(fail);
  context.done = onlyFirst(done);
  return [
    onlyFirst(callback),
    context,
    () => {
      isCompleteInvoked = true;
    },
  ];
}

// ---------------------------------------------------------------------------
// Start

async function main() {
  patchConsole();
  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!api) {
    process.stderr.write('bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(2);
  }
  const client = new RAPIDClient(api);
  const runtime = new Runtime(client, null, { streaming: false });

  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    runtime.errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    runtime.errorCallbacks.unhandledRejection(error);
  });

  const handlerString = process.argv[2] || process.env._HANDLER || '';
  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler, metadata;
  try {
    setupGlobals();
    handler = await loadHandler(appRoot, handlerString);
    metadata = handlerMetadata(handler);
    metadata.highWaterMark = handler[HANDLER_HIGHWATERMARK];
    if (MODERN && metadata.argsNum >= 3 && !metadata.streaming) {
      throw new CallbackHandlerDeprecated(CALLBACK_ERROR_NODEJS24_ABOVE);
    }
  } catch (error) {
    logError(MODERN ? 'Init Error' : 'Uncaught Exception', error);
    runtime.exitAfter(client.postInitError(error), 129);
    return;
  }
  if (
    !MODERN &&
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
    metadata.argsNum === 3 &&
    !metadata.isAsync &&
    !metadata.streaming
  ) {
    console.warn(CALLBACK_WARNING);
  }
  runtime.handler = handler;
  runtime.metadata = metadata;
  runtime.scheduleIteration();
}

main();
