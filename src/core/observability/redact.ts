/**
 * Removes credentials from text before it is logged: JWTs anywhere, `token=` query
 * parameters and `Authorization` header values, so no token ever reaches a log line.
 */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const QUERY_TOKEN = /(\b(?:access_)?token=)[^&\s"']+/gi;
const JSON_TOKEN = /("(?:access_)?token"\s*:\s*")[^"]+/gi;
const BEARER = /(\bBearer\s+)[^\s"',]+/gi;

export function redact(text: string): string {
  return text.replace(JWT, '[redacted-jwt]').replace(QUERY_TOKEN, '$1[redacted]').replace(BEARER, '$1[redacted]').replace(JSON_TOKEN, '$1[redacted]');
}

export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    copy.stack = value.stack ? redact(value.stack) : undefined;
    return copy;
  }
  if (value && typeof value === 'object') {
    try {
      return JSON.parse(redact(JSON.stringify(value))) as unknown;
    } catch {
      return '[unserialisable]';
    }
  }
  return value;
}
