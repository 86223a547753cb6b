import { applyDecorators, UseFilters } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { SocketErrorFilter } from './socket-errors';

/**
 * A gateway on one of Herald's namespaces. Server options come from HeraldIoAdapter,
 * never from here; errors leave every handler through SocketErrorFilter.
 */
export const HeraldGateway = (namespace: string) =>
  applyDecorators(WebSocketGateway({ namespace }), UseFilters(new SocketErrorFilter()));
