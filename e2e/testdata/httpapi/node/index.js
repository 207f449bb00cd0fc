// Node.js function of the HTTP API end-to-end tests (e2e/httpapi_test.go):
// answers the payload 2.0 event it got; throws when asked (header x-throw).
exports.handler = async (event) => {
  if (event.headers && event.headers['x-throw']) {
    throw new Error('the function failed on purpose');
  }
  return {statusCode: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify(event)};
};
