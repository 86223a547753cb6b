import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Public } from '../auth/auth.decorators';

/**
 * Where `npm run build` writes the console (console/build.mjs). The same relative path
 * holds from src/core/admin (tests) and dist/core/admin (the image).
 */
export const CONSOLE_ASSET_DIR = path.resolve(__dirname, '../../../dist/console');

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** No inline script or style, no third-party origin, sockets only back to this server. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the operator console's static files. The page itself is public (it holds no
 * data); everything it shows comes from admin-only routes and the `/ws/admin` feed,
 * with the token the operator types in.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  /** File → its bytes and ETag (the app sends no ETags of its own; these let a browser revalidate with a 304). */
  private readonly cache = new Map<string, { body: Buffer; etag: string }>();

  @Public()
  @Get()
  index(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    this.send(req, res, 'index.html');
  }

  @Public()
  @Get(':file')
  asset(@Param('file') file: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    if (!Object.hasOwn(ASSETS, file)) {
      void res.status(404).send({ statusCode: 404, error: 'not_found', message: `no console asset ${file}` });
      return;
    }
    this.send(req, res, file);
  }

  private send(req: FastifyRequest, res: FastifyReply, file: string): void {
    let asset = this.cache.get(file);
    if (!asset) {
      try {
        const body = readFileSync(path.join(CONSOLE_ASSET_DIR, file));
        asset = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
        this.cache.set(file, asset);
      } catch {
        void res.status(503).send({ statusCode: 503, error: 'unavailable', message: 'console assets are not built: run npm run build' });
        return;
      }
    }
    res.headers({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
    });
    if (isFresh(req.headers, asset.etag)) {
      void res.status(304).send();
      return;
    }
    void res.status(200).header('Content-Type', ASSETS[file]).send(asset.body);
  }
}

/**
 * Whether the browser's copy is current, as Express decided for `res.send` (the `fresh`
 * package): an If-None-Match naming this ETag (weakly) or `*`, with no If-Modified-Since
 * (the files have no Last-Modified) and no `Cache-Control: no-cache` in the request.
 */
function isFresh(headers: FastifyRequest['headers'], etag: string): boolean {
  const noneMatch = headers['if-none-match'];
  if (!noneMatch || headers['if-modified-since']) return false;
  if (/(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(headers['cache-control'] ?? '')) return false;
  if (noneMatch.trim() === '*') return true;
  return noneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === etag || candidate === `W/${etag}` || `W/${candidate}` === etag;
  });
}
