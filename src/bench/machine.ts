/**
 * The machine a report was measured on, resident memory, and an explicit garbage collection so that
 * memory deltas measure what is live, not what is waiting to be collected.
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the bench started: other work on the machine skews timings. */
  loadAverage: number;
  date: string;
}

/**
 * Describes this machine (os.cpus(), memory, Node version, load, date).
 *
 * @example
 * machineInfo(); // { cpu: 'Intel(R) Xeon(R) …', cores: 2, node: 'v20.20.2', … }
 */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: os.totalmem() / 2 ** 30,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg()[0],
    date: new Date().toISOString(),
  };
}

/**
 * Resident set size of this process, in MB (2^20 bytes).
 *
 * @example
 * rssMb(); // 312.4
 */
export function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

let gcFn: (() => void) | undefined;
/**
 * Runs a full garbage collection (enabling `--expose-gc` at run time if needed) and returns the RSS.
 *
 * @example
 * const before = collectGarbage(); … const delta = collectGarbage() - before;
 */
export function collectGarbage(): number {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
  return rssMb();
}
