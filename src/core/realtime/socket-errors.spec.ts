import { DomainError } from '../errors';
import { failureAck } from './socket-errors';

describe('failureAck', () => {
  it('builds the failed acknowledgement from a code and message', () => {
    expect(failureAck('socket_error:forbidden', 'Unauthorized')).toEqual({ success: false, error: 'Unauthorized', code: 'socket_error:forbidden' });
    expect(failureAck('socket_error:rate_limited', 'slow down', 1500)).toEqual({
      success: false,
      error: 'slow down',
      code: 'socket_error:rate_limited',
      retryInMs: 1500,
    });
  });

  it('maps a DomainError to its socket code, carrying retryInMs', () => {
    const ack = failureAck(DomainError.badRequest('channels: required'));
    expect(ack).toEqual({ success: false, error: 'channels: required', code: 'socket_error:bad_request' });
  });

  it('does not leak the message of an unexpected error', () => {
    expect(failureAck(new Error('connection string postgres://secret'))).toEqual({
      success: false,
      error: 'internal error',
      code: 'socket_error:unavailable',
    });
  });
});
