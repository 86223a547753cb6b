import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
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
  index(@Res() res: Response) {
    this.send(res, 'index.html');
  }

  @Public()
  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response) {
    if (!Object.hasOwn(ASSETS, file)) {
      res.status(404).json({ statusCode: 404, error: 'not_found', message: `no console asset ${file}` });
      return;
    }
    this.send(res, file);
  }

  private send(res: Response, file: string): void {
    let asset = this.cache.get(file);
    if (!asset) {
      try {
        const body = readFileSync(path.join(CONSOLE_ASSET_DIR, file));
        asset = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
        this.cache.set(file, asset);
      } catch {
        res.status(503).json({ statusCode: 503, error: 'unavailable', message: 'console assets are not built: run npm run build' });
        return;
      }
    }
    res
      .status(200)
      .set({
        'Content-Type': ASSETS[file],
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
        ETag: asset.etag,
      })
      .send(asset.body);
  }
}
