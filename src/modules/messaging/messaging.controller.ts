import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, type Principal } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { conversationIdParam, conversationList, createConversationBody, historyQuery, idParam, listConversationsQuery, messageBodyInput, messagePage, postMessageInput } from './messaging.dto';
import { conversationDto, messageDto } from './messaging.events';
import { MessagingService } from './messaging.service';

@ApiTags('messaging')
@ApiBearerAuth()
@Controller('api/conversations')
export class MessagingController {
  constructor(private readonly messaging: MessagingService) {}

  @Post()
  @ApiContract({
    summary: 'Starts a conversation between the caller and participantIds',
    body: ['CreateConversationBody', createConversationBody],
    response: ['Conversation', conversationDto],
    status: 201,
  })
  create(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.messaging.createConversation(user.userId, parseInput(createConversationBody, body, 'body'));
  }

  @Get()
  @ApiContract({ summary: "The caller's conversations, most recent activity first", query: listConversationsQuery, response: ['ConversationList', conversationList] })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.messaging.listConversations(user.userId, parseInput(listConversationsQuery, query, 'query').limit);
  }

  /** 201 with the message; 200 with the first one when `clientMessageId` repeats (nothing re-sent). */
  @Post(':id/messages')
  @ApiContract({
    summary: 'Posts a message; broadcasts messages:new. A repeated clientMessageId answers 200 with the first message',
    access: 'Members of the conversation only.',
    params: { id: conversationIdParam },
    body: ['PostMessageBody', postMessageInput],
    response: ['Message', messageDto],
    status: 201,
    repeatStatus: 200,
    errors: [404],
  })
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
  @ApiContract({
    summary: 'Edits a message; broadcasts messages:updated',
    access: 'The author only.',
    params: { id: conversationIdParam, messageId: idParam },
    body: ['MessageBody', messageBodyInput],
    response: ['Message', messageDto],
    errors: [404],
  })
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
  @ApiContract({
    summary: 'Soft-deletes a message; broadcasts messages:deleted',
    access: 'The author, or an admin.',
    params: { id: conversationIdParam, messageId: idParam },
    response: ['Message', messageDto],
    errors: [404],
  })
  remove(@CurrentUser() user: Principal, @Param('id') id: string, @Param('messageId') messageId: string) {
    return this.messaging.deleteMessage(user, parseInput(conversationIdParam, id, 'id'), parseInput(idParam, messageId, 'messageId'));
  }

  @Get(':id/messages')
  @ApiContract({
    summary: 'Message history, newest first',
    access: 'Members of the conversation only.',
    params: { id: conversationIdParam },
    query: historyQuery,
    response: ['MessagePage', messagePage],
    errors: [404],
  })
  history(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.messaging.history(user.userId, parseInput(conversationIdParam, id, 'id'), parseInput(historyQuery, query, 'query'));
  }
}
