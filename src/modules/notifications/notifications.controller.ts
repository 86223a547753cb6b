import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { createNotificationsBody, listNotificationsQuery, notificationIdParam } from './dto/notification-input.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @Roles('service', 'admin')
  @ApiOperation({ summary: 'Notify one user (userId) or many (userIds); a dedupeKey makes retries safe' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['eventKey', 'category', 'title', 'body'],
      properties: {
        userId: { type: 'string' },
        userIds: { type: 'array', items: { type: 'string' }, maxItems: 1000 },
        eventKey: { type: 'string', example: 'compliance.report_overdue' },
        category: { type: 'string', enum: ['compliance', 'diplomatic', 'defense', 'economic', 'social', 'system', 'achievement'] },
        title: { type: 'string', maxLength: 200 },
        body: { type: 'string', maxLength: 4000 },
        data: { type: 'object' },
        priority: { type: 'string', enum: ['low', 'medium', 'high', 'critical'], default: 'medium' },
        dedupeKey: { type: 'string' },
      },
    },
  })
  create(@Body() body: unknown) {
    return this.notifications.create(parseInput(createNotificationsBody, body, 'body'));
  }

  @Get()
  @ApiOperation({ summary: "The caller's notifications, newest first, with the unread count" })
  @ApiQuery({ name: 'unread', required: false, description: 'true: unread only' })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 20' })
  @ApiQuery({ name: 'before', required: false, description: 'nextBefore of the previous page' })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.notifications.list(user.userId, parseInput(listNotificationsQuery, query, 'query'));
  }

  // Declared before ':id/…' routes so "read-all" is never taken for an id.
  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: "Marks all the caller's notifications read" })
  readAll(@CurrentUser() user: Principal) {
    return this.notifications.readAll(user.userId);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks one of the caller’s notifications read (404 for anyone else’s)' })
  read(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.notifications.markRead(user.userId, parseInput(notificationIdParam, id, 'id'));
  }

  @Post(':id/ack')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledges (and reads) a notification; stops its webhook escalation' })
  ack(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.notifications.acknowledge(user.userId, parseInput(notificationIdParam, id, 'id'));
  }
}
