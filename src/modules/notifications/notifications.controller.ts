import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { BatchPublishRoute, batchPublishBody } from '../../core/realtime';
import {
  createdNotificationsDto,
  createNotificationsInput,
  listNotificationsInput,
  notificationBatchInput,
  notificationBatchResultDto,
  notificationDto,
  notificationIdInput,
  notificationPageDto,
  readAllDto,
  toNotifyInput,
} from './notifications.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @Roles('service', 'admin')
  @ApiContract({
    summary: 'Notify one user (userId) or many (userIds); a dedupeKey makes retries safe',
    roles: ['service', 'admin'],
    body: ['CreateNotificationsBody', createNotificationsInput],
    response: ['CreatedNotifications', createdNotificationsDto],
    status: 201,
    errors: [413],
  })
  create(@Body() body: unknown) {
    return this.notifications.create(toNotifyInput(parseInput(createNotificationsInput, body, 'body')));
  }

  // Declared before ':id/…' routes, like read-all.
  @Post('batch')
  @BatchPublishRoute('service')
  @HttpCode(200)
  @ApiContract({
    summary:
      'Creates the notifications of up to 500 requests in one transaction and announces them in item order; each item is reported created, duplicate or rejected',
    roles: ['service'],
    body: ['NotificationBatchBody', notificationBatchInput],
    response: ['NotificationBatchResult', notificationBatchResultDto],
    errors: [413],
  })
  createBatch(@Body() body: unknown) {
    return this.notifications.createBatch(parseInput(batchPublishBody, body, 'body').items);
  }

  @Get()
  @ApiContract({ summary: "The caller's notifications, newest first, with the unread count", query: listNotificationsInput, response: ['NotificationPage', notificationPageDto] })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.notifications.list(user.userId, parseInput(listNotificationsInput, query, 'query'));
  }

  // Declared before ':id/…' routes so "read-all" is never taken for an id.
  @Post('read-all')
  @HttpCode(200)
  @ApiContract({ summary: "Marks all the caller's notifications read", response: ['ReadAllResult', readAllDto] })
  readAll(@CurrentUser() user: Principal) {
    return this.notifications.readAll(user.userId);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiContract({
    summary: 'Marks one of the caller’s notifications read',
    access: 'The recipient only (404 for anyone else’s).',
    params: { id: notificationIdInput },
    response: ['Notification', notificationDto],
    errors: [404],
  })
  read(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.notifications.markRead(user.userId, parseInput(notificationIdInput, id, 'id'));
  }

  @Post(':id/ack')
  @HttpCode(200)
  @ApiContract({
    summary: 'Acknowledges (and reads) a notification; stops its webhook escalation',
    access: 'The recipient only (404 for anyone else’s).',
    params: { id: notificationIdInput },
    response: ['Notification', notificationDto],
    errors: [404],
  })
  ack(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.notifications.acknowledge(user.userId, parseInput(notificationIdInput, id, 'id'));
  }
}
