/** The first character that is not JSON whitespace. */
const FIRST_CHAR = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/;

/**
 * A request body of type application/json, parsed as Express's body-parser did, so that
 * clients see the same answers: an empty body is `{}`; only an object or an array is
 * accepted; a failure is a SyntaxError with status 400 (toHttpError reads it), with
 * JSON.parse's message.
 */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) return {};
  const first = FIRST_CHAR.exec(body)?.[1];
  if (first !== undefined && first !== '{' && first !== '[') throw strictSyntaxError(body, first);
  try {
    return JSON.parse(body);
  } catch (err) {
    throw Object.assign(err as SyntaxError, { status: 400 });
  }
}

/** The message JSON.parse gives for the first character of a top-level value that is not `{` or `[`. */
function strictSyntaxError(body: string, char: string): SyntaxError {
  const index = body.indexOf(char);
  // Everything from that character on is made invalid, so JSON.parse stops at it.
  const partial = body.slice(0, index) + '#'.repeat(body.length - index);
  let message = 'strict violation';
  try {
    JSON.parse(partial);
  } catch (err) {
    message = (err as Error).message.replace(/#+/g, (placeholder) => body.slice(index, index + placeholder.length));
  }
  return Object.assign(new SyntaxError(message), { status: 400 });
}
