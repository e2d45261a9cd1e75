/**
 * Child process of the cold-start and serving measurements: opens the engine named by the environment
 * (INDEX_DIR, MODEL_DIR), answers one question and prints one JSON line. When BENCH_SERVE_FILE names
 * a JSON `{ warmup, questions, naive, unheld }`, it first serves those: warm-up questions, the timed questions
 * (stage latencies), the resident memory while serving, questions the corpus does not hold (`unheld`), then the
 * naive peer on `naive` questions —
 * all in a fresh process, so the bench's own heap and models do not slow them down.
 * Run as `node --import tsx src/bench/cold-start-child.ts "question"`.
 */
const atStart = performance.now(); // ms since the process started (performance.timeOrigin)
const { loadConfig } = await import('../config.js');
const { openEngine } = await import('../answer/engine.js');
const fs = await import('node:fs');
const imported = performance.now();
const engine = await openEngine(loadConfig());
const opened = performance.now();
const answer = await engine.answer(process.argv[2] ?? 'Who is the Pentagon spokesman?');
const answered = performance.now();
const report: Record<string, unknown> = {
  processToScriptMs: atStart,
  importMs: imported - atStart,
  openEngineMs: opened - imported,
  firstAnswerMs: answered - opened,
  sinceProcessStartMs: answered,
  abstained: answer.abstained,
  rssAfterFirstMb: process.memoryUsage().rss / 2 ** 20,
};
const serveFile = process.env.BENCH_SERVE_FILE;
if (serveFile) {
  const { measureEngine, measureNaiveQueries } = await import('./query.js');
  const plan = JSON.parse(fs.readFileSync(serveFile, 'utf8')) as { warmup: string[]; questions: string[]; naive: string[]; unheld?: string[] };
  // RSS sampled every 25 questions: one reading lands wherever the garbage collector happens to be.
  const samples: number[] = [];
  report.latency = await measureEngine(engine, plan.questions, plan.warmup, (done) => {
    if (done % 25 === 0) samples.push(process.memoryUsage().rss / 2 ** 20);
  });
  const mem = process.memoryUsage();
  report.served = plan.questions.length + plan.warmup.length + 1;
  samples.sort((a, b) => a - b);
  report.rssServingMb = samples.length ? samples[Math.floor(samples.length / 2)] : mem.rss / 2 ** 20;
  report.rssServingMaxMb = samples.length ? samples[samples.length - 1] : mem.rss / 2 ** 20;
  report.rssSamples = samples.length;
  report.heapUsedMb = mem.heapUsed / 2 ** 20;
  report.externalMb = (mem.external + mem.arrayBuffers) / 2 ** 20;
  // Questions the corpus does not hold: how fast silence comes (after the memory samples, which they would skew).
  if (plan.unheld?.length) report.unheld = await measureEngine(engine, plan.unheld);
  if (plan.naive.length) {
    // The naive peer embeds 50 sentences per question: on every core, as the engine's builds do
    // (the engine's own question embedder runs on one thread beside the reader).
    const { Embedder } = await import('../embed/embedder.js');
    const embedder = await Embedder.forConfig(loadConfig());
    report.naive = await measureNaiveQueries(engine.index, embedder, plan.naive);
    report.naiveBatched = await measureNaiveQueries(engine.index, embedder, plan.naive, 50, 'batched');
  }
}
process.stdout.write(JSON.stringify(report) + '\n');
