/**
 * Every sentence's index terms as integer ids, in reading order, written by the build. Matching a
 * question against candidate sentences is then integer work at query time: no tokenizing or
 * stemming per query, and no per-sentence string sets kept in memory.
 */
import fs from 'node:fs';
import { terms } from '../text/terms.js';
import { IndexError } from './format.js';

/** The table of all sentences' term ids (one flat array and each sentence's start in it). */
export class SentenceTermTable {
  private constructor(
    /** Term → id. */
    readonly dictionary: Map<string, number>,
    /** Sentence s holds `ids[offsets[s] … offsets[s + 1])`. */
    private readonly offsets: Uint32Array,
    private readonly ids: Uint32Array,
  ) {}

  /**
   * Builds the table from every sentence's text, in global sentence order.
   *
   * @example
   * const table = SentenceTermTable.build(['The Pentagon spokesman said…', 'Kirby added…']);
   * table.of(0); // Uint32Array [0, 1] (pentagon, spokesman)
   */
  static build(sentences: Iterable<string>): SentenceTermTable {
    const dictionary = new Map<string, number>();
    const offsets: number[] = [0];
    const ids: number[] = [];
    for (const text of sentences) {
      for (const t of terms(text)) {
        let id = dictionary.get(t);
        if (id === undefined) dictionary.set(t, (id = dictionary.size));
        ids.push(id);
      }
      offsets.push(ids.length);
    }
    return new SentenceTermTable(dictionary, Uint32Array.from(offsets), Uint32Array.from(ids));
  }

  /**
   * Writes the table as `<file>.json` (the terms) and `<file>` (offsets then ids, little-endian uint32).
   *
   * @example
   * table.write('index/builds/x/sentence-terms.u32');
   */
  write(file: string, termsFile: string): void {
    const out = new Uint32Array(2 + this.offsets.length + this.ids.length);
    out[0] = this.offsets.length - 1;
    out[1] = this.ids.length;
    out.set(this.offsets, 2);
    out.set(this.ids, 2 + this.offsets.length);
    fs.writeFileSync(file, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    fs.writeFileSync(termsFile, JSON.stringify([...this.dictionary.keys()]));
  }

  /**
   * Reads a table written by `write`, checking it covers exactly `sentences` sentences.
   *
   * @example
   * const table = SentenceTermTable.read(`${dir}/sentence-terms.u32`, `${dir}/terms.json`, manifest.counts.sentences);
   */
  static read(file: string, termsFile: string, sentences: number): SentenceTermTable {
    const fail = (why: string) => new IndexError(`${file} ${why}. Rebuild the index with: npm run build-index -- --full`);
    let words: unknown;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
      words = JSON.parse(fs.readFileSync(termsFile, 'utf8'));
    } catch (e) {
      throw fail(`is unreadable (${(e as Error).message})`);
    }
    if (bytes.byteLength % 4 !== 0 || bytes.byteLength < 8 || !Array.isArray(words)) throw fail('is corrupted');
    const all = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const [n, count] = all;
    if (n !== sentences || all.length !== 2 + n + 1 + count) throw fail(`does not match the index (${n} sentences, expected ${sentences})`);
    const offsets = all.subarray(2, 3 + n);
    const ids = all.subarray(3 + n);
    if (offsets[n] !== count || ids.some((id) => id >= words.length)) throw fail('is corrupted');
    return new SentenceTermTable(new Map((words as string[]).map((w, i) => [w, i])), offsets, ids);
  }

  get sentences(): number {
    return this.offsets.length - 1;
  }

  /** The term ids of sentence `s`, in reading order (a view, not a copy). */
  of(s: number): Uint32Array {
    return this.ids.subarray(this.offsets[s], this.offsets[s + 1]);
  }
}

/** What one sentence holds of a question: IDF-weighted share of its terms, share of its term pairs. */
export interface TermMatch {
  /** IDF-weighted share (0…1) of the question's distinct terms the sentence holds. */
  share: number;
  /** Share (0…1) of the question's distinct adjacent term pairs found adjacent in the sentence. */
  phrase: number;
}

/** A question's terms resolved against a sentence term table, ready to match many sentences fast. */
export class QuestionTerms {
  /** The question's distinct terms with their IDF, in order of first use. */
  readonly terms: { term: string; idf: number }[];
  private readonly idfTotal: number;
  /** Term id → position in `terms` (terms the corpus never uses cannot match and are absent). */
  private readonly slot = new Map<number, number>();
  /** Pair code (see `pairCode`) → position among the question's distinct pairs. */
  private readonly pairs = new Map<number, number>();
  private readonly pairCount: number;
  // "Seen in the current sentence" marks: a stamp per call instead of clearing arrays.
  private readonly termSeen: Uint32Array;
  private readonly pairSeen: Uint32Array;
  private stamp = 0;
  /** Other ways a sentence may hold a question term: runs of term ids (an acronym's expansion, …). */
  private readonly alternatives: { slot: number; ids: number[] }[] = [];

  /**
   * @example
   * const q = new QuestionTerms(index.sentenceTerms, terms('Who is the Pentagon spokesman?'), (t) => index.lexical.idf(t));
   * q.match(index.sentenceTerms, 42); // { share: 1, phrase: 1 }
   */
  constructor(
    private readonly table: SentenceTermTable,
    list: readonly string[],
    idf: (term: string) => number,
    /** Question term → runs of terms that also count as holding it (see answer/acronyms.ts). */
    alternatives?: ReadonlyMap<string, string[][]>,
  ) {
    const distinct = [...new Set(list)];
    this.terms = distinct.map((term) => ({ term, idf: idf(term) }));
    this.idfTotal = this.terms.reduce((sum, t) => sum + t.idf, 0) || 1;
    distinct.forEach((t, i) => {
      const id = table.dictionary.get(t);
      if (id !== undefined) this.slot.set(id, i);
    });
    const pairSet = new Set<string>();
    for (let i = 1; i < list.length; i++) {
      const key = `${list[i - 1]} ${list[i]}`;
      if (pairSet.has(key)) continue;
      pairSet.add(key);
      const a = table.dictionary.get(list[i - 1]);
      const b = table.dictionary.get(list[i]);
      if (a !== undefined && b !== undefined) this.pairs.set(pairCode(a, b), pairSet.size - 1);
    }
    this.pairCount = pairSet.size;
    for (const [term, runs] of alternatives ?? []) {
      const slot = distinct.indexOf(term);
      if (slot < 0) continue;
      for (const run of runs) {
        const ids = run.map((t) => table.dictionary.get(t));
        if (ids.every((id) => id !== undefined)) this.alternatives.push({ slot, ids: ids as number[] });
      }
    }
    this.termSeen = new Uint32Array(this.terms.length);
    this.pairSeen = new Uint32Array(this.pairCount);
  }

  /**
   * Matches sentence `s`; when `held` is given (one flag per question term), also marks the terms it holds.
   *
   * @example
   * const held = new Uint8Array(q.terms.length);
   * q.match(17, held); // { share: 0.6, phrase: 0.25 }, held = [1, 0, 1]
   */
  match(s: number, held?: Uint8Array): TermMatch {
    const ids = this.table.of(s);
    const stamp = ++this.stamp;
    let weight = 0;
    let pairsFound = 0;
    let previous = -1;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const k = this.slot.get(id);
      if (k !== undefined && this.termSeen[k] !== stamp) {
        this.termSeen[k] = stamp;
        weight += this.terms[k].idf;
        if (held) held[k] = 1;
      }
      if (previous >= 0 && this.pairCount > 0) {
        const p = this.pairs.get(pairCode(previous, id));
        if (p !== undefined && this.pairSeen[p] !== stamp) {
          this.pairSeen[p] = stamp;
          pairsFound++;
        }
      }
      previous = id;
    }
    for (const alt of this.alternatives) {
      if (this.termSeen[alt.slot] === stamp || !containsRun(ids, alt.ids)) continue;
      this.termSeen[alt.slot] = stamp;
      weight += this.terms[alt.slot].idf;
      if (held) held[alt.slot] = 1;
    }
    return { share: weight / this.idfTotal, phrase: this.pairCount ? pairsFound / this.pairCount : 0 };
  }
}

/** Whether `run` appears in `ids` as consecutive elements. */
function containsRun(ids: Uint32Array, run: readonly number[]): boolean {
  outer: for (let i = 0; i + run.length <= ids.length; i++) {
    for (let k = 0; k < run.length; k++) if (ids[i + k] !== run[k]) continue outer;
    return true;
  }
  return false;
}

/** One number for an ordered pair of term ids (exact while ids stay below 2^26). */
function pairCode(a: number, b: number): number {
  return a * 67_108_864 + b;
}
