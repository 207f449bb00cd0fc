// NodeFunction of bench/sam/template.yaml: answers GET /Prod/node with a small fixed JSON.
const BODY = JSON.stringify({ ok: true });
const HEADERS = { 'Content-Type': 'application/json' };

exports.handler = async () => ({ statusCode: 200, headers: HEADERS, body: BODY });
