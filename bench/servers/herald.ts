/**
 * System B: Herald as shipped (startHerald: real JWT auth, event log in PostgreSQL, socket
 * policy, metrics) plus the bench driver module. The runner passes the environment
 * (DATABASE_URL, JWT_SECRET, REDIS_URL for P6, ...).
 */
import { startHerald } from '../../src/bootstrap';
import { RealtimeServer } from '../../src/core/realtime';
import { serveAgent } from './agent';
import { BenchDriverModule, BenchPublisher } from './bench-driver.module';
import { BENCH_NS } from './payload';

async function main() {
  const { app, url } = await startHerald(process.env, [BenchDriverModule]);
  const publisher = app.get(BenchPublisher);
  const realtime = app.get(RealtimeServer);
  serveAgent({
    // The IPC publish loop's target. To bench a real module, publish through its publisher here.
    target: { publish: (room, payload) => publisher.event(room, payload).then((sent) => sent?.offset) },
    info: { url, port: Number(new URL(url).port), system: 'herald' },
    connections: () => realtime.namespace(BENCH_NS)?.sockets.size ?? 0,
    onExit: () => app.close(),
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
