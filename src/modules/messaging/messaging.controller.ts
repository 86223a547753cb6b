import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, type Principal } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import {
  conversationDto,
  conversationIdInput,
  conversationPageDto,
  createConversationInput,
  editMessageInput,
  listConversationsInput,
  messageDto,
  messageHistoryInput,
  messageIdInput,
  messagePageDto,
  postMessageInput,
} from './messaging.dto';
import { MessagingService } from './messaging.service';

@ApiTags('messaging')
@ApiBearerAuth()
@Controller('api/conversations')
export class MessagingController {
  constructor(private readonly messaging: MessagingService) {}

  @Post()
  @ApiContract({
    summary: 'Starts a conversation between the caller and participantIds',
    body: ['CreateConversationBody', createConversationInput],
    response: ['Conversation', conversationDto],
    status: 201,
  })
  create(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.messaging.createConversation(user.userId, parseInput(createConversationInput, body, 'body'));
  }

  @Get()
  @ApiContract({
    summary: "The caller's conversations, most recent activity first",
    query: listConversationsInput,
    response: ['ConversationPage', conversationPageDto],
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.messaging.listConversations(user.userId, parseInput(listConversationsInput, query, 'query'));
  }

  /** 201 with the message; 200 with the first one when `clientMessageId` repeats (nothing re-sent). */
  @Post(':id/messages')
  @ApiContract({
    summary: 'Posts a message; broadcasts messages:new. A repeated clientMessageId answers 200 with the first message',
    access: 'Members of the conversation only.',
    params: { id: conversationIdInput },
    body: ['PostMessageBody', postMessageInput],
    response: ['Message', messageDto],
    status: 201,
    repeatStatus: 200,
    errors: [404],
  })
  async post(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const { message, duplicate } = await this.messaging.postMessage(
      user.userId,
      parseInput(conversationIdInput, id, 'id'),
      parseInput(postMessageInput, body, 'body'),
    );
    res.status(duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return message;
  }

  @Patch(':id/messages/:messageId')
  @ApiContract({
    summary: 'Edits a message; broadcasts messages:updated',
    access: 'The author only.',
    params: { id: conversationIdInput, messageId: messageIdInput },
    body: ['MessageBody', editMessageInput],
    response: ['Message', messageDto],
    errors: [404],
  })
  edit(@CurrentUser() user: Principal, @Param('id') id: string, @Param('messageId') messageId: string, @Body() body: unknown) {
    return this.messaging.editMessage(
      user.userId,
      parseInput(conversationIdInput, id, 'id'),
      parseInput(messageIdInput, messageId, 'messageId'),
      parseInput(editMessageInput, body, 'body').body,
    );
  }

  @Delete(':id/messages/:messageId')
  @HttpCode(200)
  @ApiContract({
    summary: 'Soft-deletes a message; broadcasts messages:deleted',
    access: 'The author, or an admin.',
    params: { id: conversationIdInput, messageId: messageIdInput },
    response: ['Message', messageDto],
    errors: [404],
  })
  remove(@CurrentUser() user: Principal, @Param('id') id: string, @Param('messageId') messageId: string) {
    return this.messaging.deleteMessage(user, parseInput(conversationIdInput, id, 'id'), parseInput(messageIdInput, messageId, 'messageId'));
  }

  @Get(':id/messages')
  @ApiContract({
    summary: 'Message history, newest first',
    access: 'Members of the conversation only.',
    params: { id: conversationIdInput },
    query: messageHistoryInput,
    response: ['MessagePage', messagePageDto],
    errors: [404],
  })
  history(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.messaging.history(user.userId, parseInput(conversationIdInput, id, 'id'), parseInput(messageHistoryInput, query, 'query'));
  }
}
