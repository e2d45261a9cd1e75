/**
 * What every script does around its real work: load the configuration, turn known errors
 * (bad configuration, missing index, missing model) into one clear line and exit code 1.
 */
import { ConfigError } from '../config.js';
import { ModelError } from '../embed/embedder.js';
import { IndexError } from '../index/format.js';
import { redact } from '../log.js';

/**
 * Runs a script's main function; known failures print their message, others their stack.
 *
 * @example
 * await runMain(async () => { … });
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    const known = e instanceof ConfigError || e instanceof IndexError || e instanceof ModelError || (e as Error)?.name === 'IngestError';
    const io = e as NodeJS.ErrnoException;
    // A mistyped path (`--squad reports/x.json`) is the user's to fix, not a crash: one line, no stack.
    const missing = (io?.code === 'ENOENT' || io?.code === 'EISDIR' || io?.code === 'EACCES') && io.path;
    const line = missing ? `Cannot read ${io.path} (${io.code === 'ENOENT' ? 'no such file' : io.code === 'EISDIR' ? 'it is a folder' : 'permission denied'}).` : undefined;
    process.stderr.write(redact(known ? `${(e as Error).message}\n` : line ? `${line}\n` : `${(e as Error)?.stack ?? String(e)}\n`));
    process.exitCode = 1;
  }
}
