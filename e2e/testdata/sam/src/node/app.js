// The nodejs function of the SAM fixtures: it answers what it saw (the
// event, its APP_* environment variables, its settings) as JSON.
exports.handler = async (event, context) => {
  const query = event.queryStringParameters || {};
  if (query.sleep) {
    await new Promise((resolve) => setTimeout(resolve, Number(query.sleep) * 1000));
  }
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("APP_")) env[k] = v;
  }
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "X-Runtime": "node" },
    body: JSON.stringify({
      runtime: "node",
      function: context.functionName,
      memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      remainingMs: context.getRemainingTimeInMillis(),
      env,
      event,
    }),
  };
};
