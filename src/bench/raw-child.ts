/**
 * Child process of the parallel raw limit: opens the model with ONNX Runtime (one intra-op thread),
 * receives its share of pre-tokenized texts, and on each `go` runs them raw and answers the seconds.
 * The parent starts every child's `go` at once, so their runs overlap as a build's workers do.
 */
import { openRawModel, runRaw, type RawModelOptions } from './throughput.js';

const options = JSON.parse(process.env.VERBATIM_RAW_OPTIONS ?? '{}') as RawModelOptions;
const raw = await openRawModel({ ...options, threads: 1 });
let ids: number[][] = [];
let batchSize = 8;
process.on('message', async (m: { ids?: number[][]; batchSize?: number; go?: boolean }) => {
  if (m.ids) {
    ids = m.ids;
    batchSize = m.batchSize ?? batchSize;
    await runRaw(raw, { ids: ids.slice(0, 16), seconds: 0 }, 16); // warm up
    process.send?.({ ready: true });
  } else if (m.go) {
    const { rate } = await runRaw(raw, { ids, seconds: 0 }, batchSize);
    process.send?.({ seconds: rate.seconds, texts: ids.length });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ started: true });
