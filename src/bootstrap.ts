import { Logger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module';
import { APP_CONFIG, DEFAULT_SHUTDOWN_DEADLINE_MS, loadConfig, maskSecret, readOrCreateDevSecret, type AppConfig } from './config';
import { toHttpError } from './core/errors';
import { addContractComponents } from './core/contract';
import { ShutdownService } from './core/health';
import { httpRequestContext, PinoNestLogger, ROOT_LOGGER } from './core/observability';
import { PrismaService } from './core/prisma';
import { HeraldIoAdapter } from './core/realtime';

const MAX_HTTP_BODY = '256kb';

export interface StartedApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
}

/** Validates config, builds the app, applies migrations and listens. */
export async function startHerald(
  env: Record<string, string | undefined> = process.env,
  /** Extra modules (test fixtures). */
  extraModules: Type[] = [],
): Promise<StartedApp> {
  let devSecretCreated = false;
  const config = loadConfig(env, (dataDir) => {
    const { secret, created } = readOrCreateDevSecret(dataDir);
    devSecretCreated = created;
    return secret;
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, extraModules), {
    // Held until pino (configured from AppConfig inside the app) takes over just below.
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  // First of all middleware: the request id (X-Request-Id), its async context and the access log.
  app.use(httpRequestContext(app.get(ROOT_LOGGER)));
  app.useBodyParser('json', { limit: MAX_HTTP_BODY });
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    // body-parser failures (413 too large, 400 malformed JSON) in the API's error shape
    if (!err) return next();
    const body = toHttpError(err);
    res.status(body.statusCode).json(body);
  });
  // With TRUST_PROXY, X-Forwarded-For is read right to left through TRUSTED_PROXIES only
  // (sockets use the same rule: ClientAddressResolver).
  app.set('trust proxy', config.trustProxy ? config.trustedProxies : false);
  // No ETag on API answers: they are computed (a SHA-1 of the body) for every response, POSTs
  // included, and nothing here is served conditionally. The console's files keep theirs.
  app.set('etag', false);
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true });
  app.useWebSocketAdapter(new HeraldIoAdapter(app, config));

  if (config.apiDocsEnabled) {
    const document = addContractComponents(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Herald')
          .setDescription('Realtime event gateway: HTTP routes. The socket namespaces are at /api/asyncapi.json (AsyncAPI 3.0).')
          .addBearerAuth()
          .build(),
      ),
    );
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/json' });
  }

  await app.listen(config.port, config.host);

  const address = app.getHttpServer().address() as { port: number } | string;
  const port = typeof address === 'string' ? config.port : address.port;
  const url = `http://127.0.0.1:${port}`;
  const log = new Logger('Herald');
  log.log(
    `listening on ${config.host}:${port} (database: ${app.get(PrismaService).engine}, adapter: ${config.redisUrl ? 'redis' : 'memory'})`,
  );
  if (config.jwt.isDevSecret) {
    // Named once per start so a developer can recognise it; never in production (config
    // refuses). Masked: logs are shipped and kept, and `npm run token` reads the file itself.
    log.warn(
      `using the development JWT secret from ${config.dataDir}/dev-jwt-secret${devSecretCreated ? ' (just created)' : ''}: ` +
        `${maskSecret(config.jwt.secret ?? '')}  — mint tokens with: npm run token -- --sub alice`,
    );
  }
  return { app, config, url };
}

/**
 * The default of SHUTDOWN_DEADLINE_MS: after SIGTERM the process exits by this time, finished
 * or not (deploy manifests size grace periods on it; the variable configures it).
 */
export const SHUTDOWN_DEADLINE_MS = DEFAULT_SHUTDOWN_DEADLINE_MS;

export function installShutdown(app: INestApplication): void {
  const shutdown = app.get(ShutdownService);
  const { deadlineMs } = app.get<AppConfig>(APP_CONFIG).shutdown;
  const onSignal = (signal: NodeJS.Signals) => {
    // A hard deadline (SHUTDOWN_DEADLINE_MS) so a stuck close can never keep a pod past its grace period.
    setTimeout(() => {
      new Logger('Herald').error(`shutdown did not finish within ${deadlineMs} ms; exiting`);
      process.exit(1);
    }, deadlineMs).unref();
    shutdown.shutdown(app, signal).then(
      () => process.exit(0),
      (err: unknown) => {
        new Logger('Herald').error(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
