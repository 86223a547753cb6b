import { Logger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { APP_CONFIG, DEFAULT_SHUTDOWN_DEADLINE_MS, loadConfig, maskSecret, readOrCreateDevSecret, type AppConfig } from './config';
import { AuthService } from './core/auth';
import { parseJsonBody, toHttpError } from './core/errors';
import { addContractComponents } from './core/contract';
import { ShutdownService } from './core/health';
import { httpRequestContext, MetricsService, PinoNestLogger, requestIdFor, ROOT_LOGGER, runWithRequestId } from './core/observability';
import { PrismaService } from './core/prisma';
import { HeraldIoAdapter, installBatchAdmission } from './core/realtime';

const MAX_HTTP_BODY = 256 * 1024;
/** Node's own timeouts, which Express kept: Fastify would raise keep-alive to 72 s and lift the request timeout. */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 300_000;

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
  // Set once the app (and so its logger) exists, before it listens.
  let requestContext: ReturnType<typeof httpRequestContext> | undefined;
  const adapter = new FastifyAdapter({
    // The router refuses a malformed URL (a bad %-escape) before any hook runs: answered here,
    // still with its request id and access line and in the API's error shape (400 bad_request),
    // not Fastify's.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const refuse = () => {
        const body = toHttpError(error);
        void reply.status(body.statusCode).send(body);
      };
      if (requestContext) requestContext(request.raw, reply.raw, refuse);
      else refuse();
    },
    bodyLimit: MAX_HTTP_BODY,
    // With TRUST_PROXY, X-Forwarded-For is read right to left through TRUSTED_PROXIES only
    // (sockets use the same rule: ClientAddressResolver).
    trustProxy: config.trustProxy ? config.trustedProxies : false,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Requests that arrive while the app closes are answered as before, not with Fastify's 503.
    return503OnClosing: false,
    // No Nest middleware: Fastify hooks do that work (below), and middie would cost every request.
    skipMiddie: true,
    // Routes match as they did on Express: case-insensitive, with or without a trailing slash,
    // and a long path parameter reaches validation (400) instead of Fastify's 414.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16 * 1024 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, extraModules), adapter, {
    // Held until pino (configured from AppConfig inside the app) takes over just below.
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  // First of every request's hooks (before CORS): the request id (X-Request-Id), its async
  // context and the access log.
  const context = (requestContext = httpRequestContext(app.get(ROOT_LOGGER)));
  adapter.setOnRequestHook((request, reply, done) => context(request.raw, reply.raw, done));
  const fastify = adapter.getInstance();
  // The body is read between onRequest and preValidation, in stream callbacks that do not
  // carry the request's async context: it is entered again for guards, pipes and the handler.
  fastify.addHook('preValidation', (request, reply, done) => runWithRequestId(requestIdFor(request.raw, reply.raw), done));
  // Batch publish routes take BATCH_PUBLISH_CONCURRENCY requests at once; the rest wait unread.
  installBatchAdmission(fastify, app.get(AuthService), app.get(MetricsService), config.batchPublishConcurrency);
  // JSON only, parsed as body-parser did (see parseJsonBody). Any other body is left unread:
  // the route sees no body and answers 400, never 415. Failures (413 too large, 400 malformed
  // JSON) reach HttpErrorFilter, in the API's error shape.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // No ETag on API answers: Fastify computes none, and nothing here is served conditionally.
  // The console's files keep theirs.
  app.enableCors({
    origin: config.corsOrigins === '*' ? true : config.corsOrigins,
    credentials: true,
    // The defaults of Express's cors, which this API answered with: every method, and a
    // preflight without Origin or Access-Control-Request-Method still gets its 204.
    methods: 'GET,HEAD,PUT,PATCH,POST,DELETE',
    strictPreflight: false,
  });
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
