/**
 * The answer engine's process (started by engine-process.ts): loads the index with the ordinary loader
 * and answers the bot's requests over IPC. Each load is a new generation; an older one is dropped as
 * soon as no question asked of it is still being answered, so a reload never keeps two indexes in
 * memory for long. Ends with its parent: when the IPC channel closes, or when the parent kills it.
 */
import type { AnswerEngine } from './api.js';
import type { EngineReply, EngineRequest } from './engine-process.js';
import { indexEngineLoader } from './index-loader.js';
import type { EngineLoader } from './engine-slot.js';

let loader: EngineLoader | undefined;
const engines = new Map<number, AnswerEngine>();
const busy = new Map<number, number>(); // generation → questions being answered on it
let current = 0;

/** Drops the generations before the current one that nothing is using any more. */
function dropIdle(): void {
  for (const gen of engines.keys()) if (gen < current && !busy.get(gen)) engines.delete(gen);
}

async function handle(req: EngineRequest): Promise<unknown> {
  if (req.op === 'load') {
    loader ??= indexEngineLoader(req.config);
    const engine = await loader.load(engines.get(current));
    engines.set(++current, engine);
    dropIdle();
    return { gen: current, buildId: engine.buildId };
  }
  // A generation already dropped (asked just as a reload finished): the current engine answers.
  const gen = engines.has(req.gen) ? req.gen : current;
  const engine = engines.get(gen);
  if (!engine) throw new Error('No index is loaded in the answer engine process.');
  busy.set(gen, (busy.get(gen) ?? 0) + 1);
  try {
    if (req.op === 'answer') return await engine.answer(...req.args);
    if (req.op === 'sources') return await engine.sources();
    if (req.op === 'source') return await engine.source(...req.args);
    return await engine.context(...req.args);
  } finally {
    busy.set(gen, busy.get(gen)! - 1);
    dropIdle();
  }
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
// The parent decides when this process ends: Ctrl-C in a terminal reaches the whole process group, and
// the bot, still shutting down, may have a question to finish. It kills this process, or goes away.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => process.exit(0));
