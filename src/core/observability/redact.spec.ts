import { redact, redactValue } from './redact';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redact', () => {
  it.each([
    [`GET /socket.io/?EIO=4&transport=websocket&token=${jwt}`],
    [`Authorization: Bearer ${jwt}`],
    [`token=opaque-token-value&x=1`],
    [`{"auth":{"token":"${jwt}"}}`],
  ])('removes credentials from %s', (line) => {
    const out = redact(line);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('opaque-token-value');
  });

  it('scrubs errors and objects', () => {
    const err = redactValue(new Error(`bad token ${jwt}`)) as Error;
    expect(err.message).not.toContain(jwt);
    expect(JSON.stringify(redactValue({ nested: { header: `Bearer ${jwt}` } }))).not.toContain(jwt);
  });
});
