/**
 * The web page's files (`src/serve/page/`: plain HTML, CSS and one ES module; no framework, CDN or
 * web font, so it works offline), read once and served with a strict Content-Security-Policy.
 */
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';

const PAGE_DIR = new URL('./page/', import.meta.url);

const FILES = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/page.css', file: 'page.css', type: 'text/css; charset=utf-8' },
  { route: '/page.js', file: 'page.js', type: 'text/javascript; charset=utf-8' },
] as const;

/** Only this server's own files and API; nothing from elsewhere, no inline script or style. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Registers `/`, `/page.css` and `/page.js` (open: the page asks for an API key when the API needs one).
 *
 * @example
 * servePage(app);
 */
export function servePage(app: FastifyInstance): void {
  for (const { route, file, type } of FILES) {
    const body = fs.readFileSync(new URL(file, PAGE_DIR));
    app.get(route, { config: { rateLimit: false } }, (_req, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
}
