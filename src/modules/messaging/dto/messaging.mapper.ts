import type { ConversationRow, MessageRow } from '../messaging.repository';
import type { ConversationDto, MessageDto } from '../messaging.events';

export function toMessageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversationId,
    senderId: row.senderId,
    body: row.deletedAt ? null : row.body,
    status: row.status as MessageDto['status'],
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    clientMessageId: row.clientMessageId,
  };
}

export function toConversationDto(row: ConversationRow): ConversationDto {
  return {
    id: row.id,
    title: row.title,
    createdBy: row.createdBy,
    participantIds: row.participants.map((p) => p.userId).sort(),
    createdAt: row.createdAt.toISOString(),
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
  };
}
