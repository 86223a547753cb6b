import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, type Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { conversationIdParam, createConversationBody, historyQuery, idParam, listConversationsQuery, messageBodyInput, MAX_MESSAGE_CHARS, postMessageInput } from './dto/messaging-input.dto';
import { MessagingService } from './messaging.service';

const messageBodySchema = { schema: { type: 'object', required: ['body'], properties: { body: { type: 'string', maxLength: MAX_MESSAGE_CHARS } } } };
const postMessageSchema = {
  schema: {
    ...messageBodySchema.schema,
    properties: {
      ...messageBodySchema.schema.properties,
      clientMessageId: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$', description: 'retry-safe: a repeat yields the first message' },
    },
  },
};

@ApiTags('messaging')
@ApiBearerAuth()
@Controller('api/conversations')
export class MessagingController {
  constructor(private readonly messaging: MessagingService) {}

  @Post()
  @ApiOperation({ summary: 'Starts a conversation between the caller and participantIds' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['participantIds'],
      properties: { participantIds: { type: 'array', items: { type: 'string' } }, title: { type: 'string', maxLength: 200 } },
    },
  })
  create(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.messaging.createConversation(user.userId, parseInput(createConversationBody, body, 'body'));
  }

  @Get()
  @ApiOperation({ summary: "The caller's conversations, most recent activity first" })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 50' })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.messaging.listConversations(user.userId, parseInput(listConversationsQuery, query, 'query').limit);
  }

  /** 201 with the message; 200 with the first one when `clientMessageId` repeats (nothing re-sent). */
  @Post(':id/messages')
  @ApiOperation({ summary: 'Posts a message (members only); broadcasts messages:new. A repeated clientMessageId answers 200 with the first message' })
  @ApiBody(postMessageSchema)
  async post(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { message, duplicate } = await this.messaging.postMessage(
      user.userId,
      parseInput(conversationIdParam, id, 'id'),
      parseInput(postMessageInput, body, 'body'),
    );
    res.status(duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return message;
  }

  @Patch(':id/messages/:messageId')
  @ApiOperation({ summary: 'Edits a message (author only); broadcasts messages:updated' })
  @ApiBody(messageBodySchema)
  edit(@CurrentUser() user: Principal, @Param('id') id: string, @Param('messageId') messageId: string, @Body() body: unknown) {
    return this.messaging.editMessage(
      user.userId,
      parseInput(conversationIdParam, id, 'id'),
      parseInput(idParam, messageId, 'messageId'),
      parseInput(messageBodyInput, body, 'body').body,
    );
  }

  @Delete(':id/messages/:messageId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Soft-deletes a message (author or admin); broadcasts messages:deleted' })
  remove(@CurrentUser() user: Principal, @Param('id') id: string, @Param('messageId') messageId: string) {
    return this.messaging.deleteMessage(user, parseInput(conversationIdParam, id, 'id'), parseInput(idParam, messageId, 'messageId'));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'Message history, newest first (members only)' })
  @ApiQuery({ name: 'before', required: false, description: 'nextBefore of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 50' })
  history(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.messaging.history(user.userId, parseInput(conversationIdParam, id, 'id'), parseInput(historyQuery, query, 'query'));
  }
}
