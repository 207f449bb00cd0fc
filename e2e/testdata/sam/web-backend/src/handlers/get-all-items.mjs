// GET /: answers the table it would read and the path it was called with.
export const getAllItemsHandler = async (event) => {
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ table: process.env.SAMPLE_TABLE, method: event.httpMethod, resource: event.resource }),
  };
};
