import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The fence around Socket.IO's private parts: only socketio-internals.ts may name them (its
 * spec checks each assumption against a real server). Any other file in src/ that does is
 * reported here with the names it used.
 */
const SRC = path.resolve(__dirname, '../..');
const FENCE = path.join(__dirname, 'socketio-internals.ts');
const PRIVATE_NAMES = [
  '_socket',
  '_nsps',
  '_encode',
  '_packet',
  'writeToEngine',
  'notifyOutgoingListeners',
  'writeBuffer',
  'wsPreEncodedFrame',
  'pingIntervalTimer',
  'resetPingTimeout',
  'hasRefreshedPingTimeout',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('the Socket.IO internals fence', () => {
  it('keeps every private Socket.IO, Engine.IO and ws name inside socketio-internals.ts', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => file !== FENCE)
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const used = PRIVATE_NAMES.filter((name) => new RegExp(`\\.${name}\\b|\\b${name}\\s*[:(]`).test(text));
        return used.length ? [`${path.relative(SRC, file)}: ${used.join(', ')}`] : [];
      });
    expect(offenders).toEqual([]);
  });

  it('finds a private name where one is used (the fence itself names them all)', () => {
    const text = readFileSync(FENCE, 'utf8');
    expect(PRIVATE_NAMES.filter((name) => !text.includes(name))).toEqual([]);
  });

  it('has one ws: the one socketio-internals.ts builds frames with is the one Engine.IO sends them on', () => {
    const engineIo = path.dirname(require.resolve('engine.io'));
    expect(require.resolve('ws', { paths: [engineIo] })).toBe(require.resolve('ws'));
  });
});
