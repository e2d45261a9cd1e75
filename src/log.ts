/**
 * The product's logger (pino: structured, fast, levels from LOG_LEVEL). Logs go to stderr so that
 * `ask --json` keeps stdout clean. Secrets are redacted by key and by value.
 */
import pino from 'pino';

const secrets = new Set<string>();

/** Registers a secret (the Discord token) so that it never appears in a log line, whatever the key. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Replaces every registered secret in a string by `[redacted]`. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * Creates a logger writing JSON lines to stderr.
 *
 * @example
 * const log = createLogger('info');
 * log.info({ articles: 5 }, 'index built');
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino(
    {
      level,
      redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redact(a) : a instanceof Error ? redactError(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      formatters: { log: (obj) => JSON.parse(redact(JSON.stringify(obj))) as Record<string, unknown> },
    },
    pino.destination(2),
  );
}

function redactError(e: Error): Error {
  const copy = new Error(redact(e.message));
  copy.name = e.name;
  copy.stack = e.stack ? redact(e.stack) : undefined;
  return copy;
}
