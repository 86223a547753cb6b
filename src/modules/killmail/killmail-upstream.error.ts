/** Why an upstream request failed; counted by reason in herald_killmail_upstream_errors_total. */
type UpstreamFailureReason = 'timeout' | 'network' | 'http_status' | 'garbage' | 'invalid';

/** A failed upstream request or an unusable response: retried by the poller with backoff. */
export class KillmailUpstreamError extends Error {
  constructor(
    readonly reason: UpstreamFailureReason,
    message: string,
  ) {
    super(message);
  }
}
