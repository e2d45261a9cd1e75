/**
 * Child process of the scale measurement: `node --import tsx src/bench/scale-child.ts <n>` builds an
 * HnswStore over n synthetic vectors and prints the `ScaleRow` as one JSON line.
 */
import { measureScale } from './scale.js';

const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 1) throw new Error(`usage: scale-child.ts <vectors>, got ${process.argv[2]}`);
process.stdout.write(JSON.stringify(measureScale(n)) + '\n');
