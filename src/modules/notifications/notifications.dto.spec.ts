import { parseInput } from '../../core/errors';
import { createNotificationsInput, toNotifyInput } from './notifications.dto';

const content = { eventKey: 'achievement.unlocked', category: 'system', title: ' Unlocked ', body: 'well done', data: { level: 3 } };

describe('a create body as a notify request', () => {
  it('turns one recipient into a list of one and keeps every field as validated', () => {
    const input = toNotifyInput(parseInput(createNotificationsInput, { ...content, userId: 'u1', dedupeKey: 'k1' }));
    expect(input).toEqual({ ...content, title: 'Unlocked', priority: 'medium', dedupeKey: 'k1', userIds: ['u1'] });
    expect(input).not.toHaveProperty('userId');
  });

  it('keeps a list of recipients as given', () => {
    expect(toNotifyInput(parseInput(createNotificationsInput, { ...content, userIds: ['u1', 'u2'], priority: 'high' })).userIds).toEqual(['u1', 'u2']);
  });

  it('still refuses both or neither of userId and userIds', () => {
    expect(() => parseInput(createNotificationsInput, { ...content, userId: 'u1', userIds: ['u2'] })).toThrow(/give exactly one of userId or userIds/);
    expect(() => parseInput(createNotificationsInput, content)).toThrow(/give exactly one of userId or userIds/);
  });
});
