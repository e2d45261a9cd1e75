/**
 * The answer engine's process (started by engine-process.ts): loads the index with the ordinary loader
 * and answers the bot's requests over IPC. Each load is a new generation; the one before it is kept so
 * that questions asked of it just before a reload still finish on it. Exits with its parent.
 */
import type { AnswerEngine } from './api.js';
import type { EngineReply, EngineRequest } from './engine-process.js';
import { indexEngineLoader } from './index-loader.js';
import type { EngineLoader } from './engine-slot.js';

let loader: EngineLoader | undefined;
const engines = new Map<number, AnswerEngine>();
let current = 0;

async function handle(req: EngineRequest): Promise<unknown> {
  if (req.op === 'load') {
    loader ??= indexEngineLoader(req.config);
    const engine = await loader.load(engines.get(current));
    engines.set(++current, engine);
    engines.delete(current - 2);
    return { gen: current, buildId: engine.buildId };
  }
  // A generation dropped by two reloads since, or one from an earlier process: the current engine.
  const engine = engines.get(req.gen) ?? engines.get(current);
  if (!engine) throw new Error('No index is loaded in the answer engine process.');
  if (req.op === 'answer') return engine.answer(...req.args);
  if (req.op === 'sources') return engine.sources();
  if (req.op === 'source') return engine.source(...req.args);
  return engine.context(...req.args);
}

process.on('message', (req: EngineRequest) => {
  handle(req).then(
    (value) => process.send!({ id: req.id, ok: true, value } satisfies EngineReply),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      process.send!({ id: req.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } } satisfies EngineReply);
    },
  );
});
// The bot went away (or closed the channel): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
