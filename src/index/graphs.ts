/**
 * The HNSW graphs of a build: updated in place from the previous build when few of its vectors
 * changed, so that an incremental build costs time in proportion to the change, not to the corpus;
 * rebuilt from all vectors otherwise (first build, `--full`, other HNSW parameters, or too many
 * deleted elements, which slow search and waste memory).
 */
import { HnswStore, type HnswParams } from './vector-store.js';

/** A graph of the previous build, and each of its live vectors' labels. */
export interface PreviousGraph {
  file: string;
  params: HnswParams;
  /** Labels of the previous build's live vectors (by its global ids). */
  labels: Uint32Array;
  /** Elements in the file, deleted ones included. */
  elements: number;
  /** Labels are never reused (hnswlib keeps a deleted element's label until its slot is taken). */
  nextLabel: number;
  /** Vectors deleted (or replaced) since the graph was last built from scratch. */
  churn: number;
}

export interface WrittenGraph {
  /** `labels[id]`: the graph label of the vector with global id `id`. */
  labels: Uint32Array;
  elements: number;
  nextLabel: number;
  churn: number;
  /** Whether the previous graph was updated in place (else it was rebuilt). */
  updated: boolean;
}

/**
 * Vectors deleted or replaced since the last full build, as a share of the graph, before it is rebuilt
 * instead of updated: each replacement repairs the graph's links only approximately.
 */
export const MAX_CHURN = 0.2;

/**
 * Writes the graph over `vectors` to `file`. `kept[i]` is the previous label of vector i when it is
 * the same vector as in the previous build (its article unchanged), else undefined.
 *
 * @example
 * const g = await writeGraph('builds/new/sentences.hnsw', vectors, kept, previous, 384, DEFAULT_HNSW);
 * g.updated; // true when only a few articles changed
 */
export async function writeGraph(
  file: string,
  vectors: readonly Float32Array[],
  kept: readonly (number | undefined)[],
  previous: PreviousGraph | undefined,
  dim: number,
  params: HnswParams,
): Promise<WrittenGraph> {
  const plan = previous && planUpdate(vectors.length, kept, previous, params);
  if (!previous || !plan) {
    await HnswStore.build([...vectors], dim, params).save(file);
    return { labels: Uint32Array.from(vectors.keys()), elements: vectors.length, nextLabel: vectors.length, churn: 0, updated: false };
  }
  const add = plan.added.map((i) => ({ label: plan.labels[i], vector: vectors[i] }));
  const { store, elements } = await HnswStore.update(previous.file, dim, params, { remove: plan.removed, add, liveBefore: previous.labels.length });
  await store.save(file);
  return { labels: plan.labels, elements, nextLabel: plan.nextLabel, churn: plan.churn, updated: true };
}

/**
 * Labels for an in-place update (kept vectors keep theirs, new ones get fresh labels) and the labels
 * to delete; undefined when the graph should be rebuilt instead.
 */
function planUpdate(
  count: number,
  kept: readonly (number | undefined)[],
  previous: PreviousGraph,
  params: HnswParams,
): { labels: Uint32Array; added: number[]; removed: number[]; nextLabel: number; churn: number } | undefined {
  if (previous.params.m !== params.m || previous.params.efConstruction !== params.efConstruction) return undefined;
  const labels = new Uint32Array(count);
  const keptSet = new Set<number>();
  const added: number[] = [];
  let nextLabel = previous.nextLabel;
  for (let i = 0; i < count; i++) {
    const label = kept[i];
    if (label === undefined) {
      added.push(i);
      labels[i] = nextLabel++;
    } else {
      // A label kept twice (two articles with one id) cannot be mapped back: rebuild instead.
      if (keptSet.has(label)) return undefined;
      labels[i] = label;
      keptSet.add(label);
    }
  }
  const removed = [...previous.labels].filter((label) => !keptSet.has(label));
  const churn = previous.churn + removed.length;
  if (churn > MAX_CHURN * Math.max(count, previous.labels.length)) return undefined;
  return { labels, added, removed, nextLabel, churn };
}
