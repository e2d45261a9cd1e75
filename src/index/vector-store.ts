/**
 * The vector-store seam: one small interface the answer engine searches through. `HnswStore`
 * (hnswlib-node, in process) implements it; a distributed engine (Qdrant, pgvector, OpenSearch)
 * can implement the same four methods without the answer engine changing.
 */
import fs from 'node:fs';
import hnswlib from 'hnswlib-node';

export interface VectorHit {
  /** The label the vector was added with (a sentence or passage id). */
  id: number;
  /** Cosine similarity (vectors are unit length). */
  score: number;
}

export interface VectorStore {
  readonly size: number;
  /** The `k` nearest vectors to a unit query vector, best first (async: a remote engine answers over the network). */
  search(query: Float32Array, k: number): Promise<VectorHit[]>;
  /** Persists the store to a file (a remote engine, which persists itself, may do nothing). */
  save(file: string): Promise<void>;
}

/** HNSW parameters; chosen by `npm run bench` (recall@10 against exact search). */
export interface HnswParams {
  /** Links per node: memory and recall grow with it. */
  m: number;
  /** Candidate list while building: build time and graph quality grow with it. */
  efConstruction: number;
  /** Candidate list while searching: latency and recall grow with it (never below k). */
  efSearch: number;
}

// efSearch 64, the smallest with recall@10 ≥ 0.99 in `npm run bench` (0.996; 1.000 at 128). The engine
// re-scores every candidate exactly, so the SQuAD eval's hybrid row moved by at most 0.002, while the
// sentence search costs 0.25 ms at p50 instead of 0.31.
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, efSearch: 64 };

/**
 * Where the vectors sit in a graph that was updated in place: a vector's graph label stays the same
 * across incremental builds while its global id (its position in the corpus) moves.
 */
export interface GraphLabels {
  /** `labels[id]`: the graph label of the vector with global id `id`. */
  labels: Uint32Array;
  /** Elements in the graph file, deleted ones included (hnswlib keeps them until replaced). */
  elements: number;
}

/** An in-process HNSW cosine index (hnswlib-node). */
export class HnswStore implements VectorStore {
  private constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    private readonly params: HnswParams,
    /** Graph label → global id, when they differ (a graph updated in place); −1 for a deleted label. */
    private readonly labelToId?: Int32Array,
    private readonly live = index.getCurrentCount(),
  ) {}

  /**
   * Builds an index over `vectors`, labelled 0…n−1.
   *
   * @example
   * const store = HnswStore.build(vectors, 384);
   * store.search(queryVector, 10); // [{ id: 17, score: 0.71 }, …]
   */
  static build(vectors: Float32Array[], dim: number, params: HnswParams = DEFAULT_HNSW): HnswStore {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    index.initIndex(Math.max(1, vectors.length), params.m, params.efConstruction, 42);
    for (let i = 0; i < vectors.length; i++) index.addPoint(Array.from(vectors[i]), i);
    index.setEf(params.efSearch);
    return new HnswStore(index, params);
  }

  /**
   * Updates a saved graph in place instead of rebuilding it: the vectors of changed or removed
   * articles are marked deleted, new vectors take their places (hnswlib's replace-deleted) or are
   * appended. Returns the updated store (search it through `load` after saving) and its element count.
   *
   * @example
   * const { store, elements } = await HnswStore.update('old/sentences.hnsw', 384, DEFAULT_HNSW, { remove: [3, 4], add: [{ label: 900, vector }], liveBefore: 899 });
   * await store.save('new/sentences.hnsw');
   */
  static async update(
    file: string,
    dim: number,
    params: HnswParams,
    change: { remove: readonly number[]; add: readonly { label: number; vector: Float32Array }[]; liveBefore: number },
  ): Promise<{ store: HnswStore; elements: number }> {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    await index.readIndex(file, true);
    for (const label of change.remove) index.markDelete(label);
    // Deleted elements (earlier ones and those just marked) are reused before the graph grows.
    const vacant = index.getCurrentCount() - change.liveBefore + change.remove.length;
    const needed = index.getCurrentCount() + Math.max(0, change.add.length - vacant);
    if (needed > index.getMaxElements()) index.resizeIndex(needed);
    for (const { label, vector } of change.add) index.addPoint(Array.from(vector), label, true);
    index.setEf(params.efSearch);
    return { store: new HnswStore(index, params), elements: index.getCurrentCount() };
  }

  /**
   * Loads a saved index; throws if the file is missing, truncated or of another dimension.
   *
   * @example
   * const store = await HnswStore.load('index/current/sentences.hnsw', 384, 12_345);
   */
  static async load(file: string, dim: number, expectedSize: number, params: HnswParams = DEFAULT_HNSW, graph?: GraphLabels): Promise<HnswStore> {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    // hnswlib reads past the end of a truncated file without complaint: check the size it reports.
    if (!fs.existsSync(file)) throw new Error(`${file} is missing`);
    await index.readIndex(file, false);
    const elements = graph?.elements ?? expectedSize;
    if (index.getCurrentCount() !== elements || (graph && graph.labels.length !== expectedSize)) {
      throw new Error(`${file} holds ${index.getCurrentCount()} vectors, expected ${elements}`);
    }
    index.setEf(params.efSearch);
    let labelToId: Int32Array | undefined;
    if (graph && graph.labels.some((label, id) => label !== id)) {
      // A loop, not Math.max(...labels): spreading 125k+ arguments overflows the stack.
      let max = 0;
      for (const label of graph.labels) if (label > max) max = label;
      labelToId = new Int32Array(max + 1).fill(-1);
      graph.labels.forEach((label, id) => (labelToId![label] = id));
    }
    return new HnswStore(index, params, labelToId, expectedSize);
  }

  /** Live vectors (deleted elements of a graph updated in place are not counted). */
  get size(): number {
    return this.live;
  }

  async search(query: Float32Array, k: number): Promise<VectorHit[]> {
    return this.searchSync(query, k);
  }

  /**
   * `search` without the promise, for benchmarks that time the graph alone.
   *
   * @example
   * store.searchSync(queryVector, 10)[0].id;
   */
  searchSync(query: Float32Array, k: number): VectorHit[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    // ef must be ≥ k; set per call so one large k does not slow every later search.
    const ef = Math.max(this.params.efSearch, n);
    if (this.index.getEf() !== ef) this.index.setEf(ef);
    const r = this.index.searchKnn(Array.from(query), n);
    const map = this.labelToId;
    return r.neighbors.map((label, i) => ({ id: map ? map[label] : label, score: 1 - r.distances[i] }));
  }

  async save(file: string): Promise<void> {
    await this.index.writeIndex(file);
  }
}

/**
 * Exact search: the `k` rows of a row-major array of unit vectors with the highest dot product with
 * `q`, best first (ties: lower id first). What HNSW recall is measured against.
 *
 * @example
 * const flat = new Float32Array([1, 0, 0, 1, 0.6, 0.8]); // three 2-d vectors
 * exactSearch(flat, 2, new Float32Array([1, 0]), 2); // [{ id: 0, score: 1 }, { id: 2, score: 0.6 }]
 */
export function exactSearch(flat: Float32Array, dim: number, q: Float32Array, k: number): VectorHit[] {
  const n = Math.floor(flat.length / dim);
  const kk = Math.min(k, n);
  // A small sorted buffer beats sorting n scores when k ≪ n.
  const top: VectorHit[] = [];
  for (let row = 0; row < n && kk > 0; row++) {
    const off = row * dim;
    let s = 0;
    for (let i = 0; i < dim; i++) s += q[i] * flat[off + i];
    if (top.length < kk || s > top[top.length - 1].score) {
      let pos = top.length < kk ? top.length : kk - 1;
      while (pos > 0 && top[pos - 1].score < s) pos--;
      top.splice(pos, 0, { id: row, score: s });
      if (top.length > kk) top.pop();
    }
  }
  return top;
}

/**
 * A second implementation of the seam: exact search over vectors held in memory. Linear in the
 * corpus (fine up to ~10k vectors); tests swap it in to show the answer engine does not depend on HNSW.
 *
 * @example
 * const store = new ExactStore(index.sentenceVectors, 384);
 * await store.search(queryVector, 5); // the true 5 nearest
 */
export class ExactStore implements VectorStore {
  constructor(
    private readonly flat: Float32Array,
    private readonly dim: number,
  ) {}

  get size(): number {
    return Math.floor(this.flat.length / this.dim);
  }

  async search(query: Float32Array, k: number): Promise<VectorHit[]> {
    return exactSearch(this.flat, this.dim, query, k);
  }

  async save(file: string): Promise<void> {
    await fs.promises.writeFile(file, Buffer.from(this.flat.buffer, this.flat.byteOffset, this.flat.byteLength));
  }
}

