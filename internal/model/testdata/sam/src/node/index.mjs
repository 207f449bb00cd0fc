export const handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ path: event.rawPath ?? event.path, id: event.pathParameters?.id ?? null }),
});
