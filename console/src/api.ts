/** HTTP calls to Herald with a bearer token; errors come back as values, not exceptions. */
export interface ApiResult<T = unknown> {
  ok: boolean;
  status: number;
  body: T;
}

export async function api<T = unknown>(token: string, method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  try {
    const res = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { ok: res.ok, status: res.status, body: parsed as T };
  } catch (err) {
    return { ok: false, status: 0, body: { message: (err as Error).message } as T };
  }
}

export function errorText(result: ApiResult): string {
  const b = result.body as { message?: unknown; code?: unknown } | null;
  const message = b && typeof b === 'object' && typeof b.message === 'string' ? b.message : JSON.stringify(result.body);
  return `${result.status || 'network error'}: ${message}`;
}
