/**
 * The lexical store: BM25 over passages (MiniSearch, with the title as a boosted field), plus the
 * document frequency of every term, which the sentence picker and the abstention rule weigh words by.
 */
import MiniSearch from 'minisearch';
import { term, terms, words } from '../text/terms.js';

export interface LexicalDoc {
  id: number;
  title: string;
  text: string;
}

const OPTIONS = {
  fields: ['title', 'text'],
  idField: 'id',
  tokenize: (text: string) => words(text),
  processTerm: (w: string) => term(w),
  searchOptions: { boost: { title: 0.5 }, combineWith: 'OR' as const },
};

/** What the answer engine asks of the lexical side (the Elasticsearch store answers it per question too). */
export interface LexicalIndex {
  /** BM25 scores of the passages matching any of the text's terms, best first. */
  query(text: string): Map<number, number>;
  /** Inverse document frequency of a term over passages. */
  idf(t: string): number;
  /** How many passages use the term (0: the corpus never does; answer/names.ts). */
  frequency(t: string): number;
}

/** BM25 search over passages and an IDF table over the same passages. */
export class LexicalStore implements LexicalIndex {
  private constructor(
    private readonly search: MiniSearch<LexicalDoc>,
    private readonly df: Map<string, number>,
    readonly documents: number,
  ) {}

  /**
   * Indexes passages (id = global passage id).
   *
   * @example
   * const lex = LexicalStore.build([{ id: 0, title: 'IS push could take years', text: '…' }]);
   * lex.query('coalition air missions'); // Map { 0 => 3.2 }
   */
  static build(docs: LexicalDoc[]): LexicalStore {
    const search = new MiniSearch<LexicalDoc>(OPTIONS);
    search.addAll(docs);
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(terms(`${d.title} ${d.text}`))) df.set(t, (df.get(t) ?? 0) + 1);
    return new LexicalStore(search, df, docs.length);
  }

  /** Restores a store saved with `toJSON`. */
  static fromJSON(json: { minisearch: string; df: [string, number][]; documents: number }): LexicalStore {
    return new LexicalStore(MiniSearch.loadJSON<LexicalDoc>(json.minisearch, OPTIONS), new Map(json.df), json.documents);
  }

  toJSON(): { minisearch: string; df: [string, number][]; documents: number } {
    return { minisearch: JSON.stringify(this.search), df: [...this.df], documents: this.documents };
  }

  /**
   * BM25 scores of the passages matching any of the query's terms.
   *
   * @example
   * lex.query('Who is the Pentagon spokesman?').get(12); // 7.9
   */
  query(text: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const r of this.search.search(text)) out.set(r.id as number, r.score);
    return out;
  }

  /**
   * Inverse document frequency of a term (BM25's form, ≥ 0); a term the corpus never uses gets the most.
   *
   * @example
   * lex.idf('coalit'); // 0.9 in a corpus about the coalition, 6.2 elsewhere
   */
  idf(t: string): number {
    const n = this.df.get(t) ?? 0;
    return Math.log(1 + (this.documents - n + 0.5) / (n + 0.5));
  }

  /**
   * How many passages use the term.
   *
   * @example
   * lex.frequency('pentagon'); // 3 in the seed corpus; 0 where no article names the Pentagon
   */
  frequency(t: string): number {
    return this.df.get(t) ?? 0;
  }
}
