/**
 * Every weight and threshold of the answer engine, in one place, with where its value comes from.
 * `npm run eval` measures them (SQuAD for fusion and sentence choice, held-out questions for abstention).
 */
import type { AbstainModel } from './abstain.js';

export interface Tuning {
  /** Candidates gathered from each retriever before fusion. */
  sentenceHits: number;
  passageHits: number;
  lexicalHits: number;
  /**
   * Passage score = passage·cos + sentence·(best sentence cos) + lexical·(BM25 / best BM25)
   * + sentenceLexical·(best IDF-weighted share of the question's terms held by one of its sentences)
   * + phrase·(best share of the question's adjacent term pairs found adjacent in one of its sentences)
   * + local·(share of the question's terms it holds, each weighted by its rarity among the candidates).
   */
  fusion: { passage: number; sentence: number; lexical: number; sentenceLexical: number; phrase: number; local: number };
  /** Passages whose sentences compete for the quotes. */
  passagesForQuotes: number;
  /**
   * Sentence score = dense·cos + lexical·(IDF-weighted share of question terms) + phrase·(share of the
   * question's adjacent term pairs found adjacent in the sentence) + context·(passage score) + answer-type bonus.
   */
  pick: { dense: number; lexical: number; phrase: number; context: number; answerType: number };
  /** Two quotes from different articles this close (cosine) say the same thing: one quote, "also in" the other. */
  corroborate: number;
  /** Sentences from other articles with the same specific figure and at least this cosine corroborate too. */
  corroborateFigure: number;
  /**
   * The reader (see read.ts): how many of the best sentences it reads, and the weight of its logit in
   * their score (chosen by `npm run tune -- --reader` on the SQuAD tune articles).
   */
  reader: {
    candidates: number;
    weight: number;
    /** Read only the best `first` at first, and the rest of the `candidates` when none scores `confident`. */
    first?: number;
    confident?: number;
  };
  /**
   * Abstain when the best sentence's cosine < `floor`; then, with the reader, when the logistic `model` over
   * the evidence (abstain.ts) says < 0 (fitted by `npm run calibrate`); without it, when cosine +
   * coverage·(soft coverage of the question's words by the best passage) < `threshold`.
   * With the reader, an answer whose model score is ≥ 0 but < `sure` is tentative (abstain.ts): its quotes are
   * shown as the closest the articles have, not as the answer (`npm run calibrate` sets it; 0: never).
   */
  abstain: { coverage: number; threshold: number; floor: number; model: AbstainModel; sure: number };
}

export const DEFAULT_TUNING: Tuning = {
  sentenceHits: 48,
  passageHits: 24,
  lexicalHits: 24,
  fusion: { passage: 0.5, sentence: 0.4, lexical: 0.2, sentenceLexical: 0.3, phrase: 0.2, local: 0.5 },
  passagesForQuotes: 8,
  pick: { dense: 1, lexical: 0.6, phrase: 0.3, context: 0.6, answerType: 0.25 },
  corroborate: 0.82,
  corroborateFigure: 0.45,
  // `npm run calibrate` with reader v6, each pair read on its own (reports/calibration.md): the reader's logit × 0.5
  // over the best 8 (the fewest candidates within 0.005 of the grid's best, 0.834 with 16), read as a cascade — the
  // best one, then one more at a time while none scores ≥ 6 — first sentence holds the answer for 0.826 of the
  // answerable development questions (0.720 without the reader; 0.829 reading all 8) at 2.96 pairs per question.
  reader: { candidates: 8, weight: 0.5, first: 1, confident: 6 },
  abstain: {
    coverage: 1,
    threshold: 0.94,
    floor: 0.3,
    // Fitted by `npm run calibrate` on development sets only (never the seed articles); the bias as low as
    // ≤ 1 % of SQuAD's answerable questions lost and ≤ 2 % of the news sets pooled allow.
    model: { bias: -0.345, reader: 0.456, cos: 1.747, coverage: 3.003, sentenceCoverage: 1.227, typeMissing: -1.011 },
    // `npm run calibrate` (reports/calibration.md): the highest line that shows ≤ 10 % of the right answers of each
    // answerable development group as tentative (news 0.086 / 0.111, SQuAD 0.023 / 0.030); on-topic unanswerable
    // development questions answered as if sure fall from 0.80 / 0.75 / 0.76 to 0.34 / 0.28 / 0.38.
    sure: 1.608,
  },
};

/**
 * Each embedder's own tuning, by Hub id. Cosines of another model sit in another band (e5's unrelated
 * texts score ~0.7, MiniLM's ~0.1), so the fusion weights, the cosine floor and the abstention model
 * are fitted per model (`npm run tune`, `npm run calibrate` with `EMBEDDING_MODEL` set); a model not
 * listed gets MiniLM's, which is what `DEFAULT_TUNING` was fitted for.
 */
const BY_MODEL: Readonly<Record<string, Tuning>> = {
  'Xenova/all-MiniLM-L6-v2': DEFAULT_TUNING,
  'Xenova/e5-small-v2': {
    ...DEFAULT_TUNING,
    // `npm run tune -- --dense-scale …` on SQuAD train + tune (reports/tune-e5.json): e5's cosines sit in a
    // narrow band, so its dense weights are about 5× MiniLM's.
    fusion: { passage: 2.5, sentence: 2, lexical: 0.2, sentenceLexical: 0.15, phrase: 0.2, local: 0.5 },
    pick: { dense: 5, lexical: 0.4, phrase: 0.3, context: 0.6, answerType: 0.05 },
    // MiniLM's sentence–sentence cosines 0.82 and 0.45 fall at e5's 0.90 and 0.82 (same quantiles over
    // SQuAD tune sentence pairs); its question–sentence 0.3 at 0.77.
    corroborate: 0.9,
    corroborateFigure: 0.82,
    // `EMBEDDING_MODEL=Xenova/e5-small-v2 npm run calibrate` (development sets only, reader v6): the reader's
    // logit × 0.2 over the best 12, the best one first, the rest only when it scores < 1; first sentence holds the
    // answer for 0.839 of the answerable development questions (0.757 without the reader; MiniLM 0.826 and 0.720).
    // Fitted when pairs were read in batches and the cascade read the other 11 at once: not yet refitted to pairs
    // read alone, one at a time (MiniLM's is); its figures in README are from then.
    reader: { candidates: 12, weight: 0.2, first: 1, confident: 1 },
    abstain: {
      coverage: 1,
      // Without the reader: cosine + coverage ≥ 1.722 loses ≤ 2 % of each answerable development set.
      threshold: 1.722,
      // The highest floor that loses ≤ 1 % of SQuAD's answerable development questions (0.7 %; 0.79 loses 1.2 %),
      // checked on `npm run calibrate`'s samples (no seed article): it silences 0.80 of the off-topic set (SQuAD
      // tune questions asked of BBC files 001–020) and costs 4 % of BBC dev's answerable ones — a far thinner
      // margin than MiniLM's, one reason MiniLM stays the default (README, "Embedding models").
      floor: 0.785,
      model: { bias: 0.78, reader: 0.395, cos: 1.915, coverage: 0.652, sentenceCoverage: 0.321, typeMissing: -0.9 },
      // Same rule as MiniLM's (reports/calibration-e5.md): ≤ 10 % of each development group's right answers tentative.
      sure: 1.164,
    },
  },
};

/**
 * The tuning fitted for an embedding model (see `BY_MODEL`).
 *
 * @example
 * tuningFor('Xenova/all-MiniLM-L6-v2') === DEFAULT_TUNING; // true
 * tuningFor('acme/unknown-model') === DEFAULT_TUNING;      // true: fitted for none, MiniLM's is the start
 */
export function tuningFor(model: string): Tuning {
  return BY_MODEL[model] ?? DEFAULT_TUNING;
}

/**
 * `tuning` without the reader (`candidates: 0`): ranking by embeddings and words, abstention by the older rule.
 *
 * @example
 * withoutReader(DEFAULT_TUNING).reader.candidates; // 0
 */
export function withoutReader(tuning: Tuning): Tuning {
  return { ...tuning, reader: { candidates: 0, weight: 0 } };
}

/**
 * The two halves alone, without the reader, for the eval's ablation rows.
 *
 * @example
 * lexicalOnly(DEFAULT_TUNING).fusion.passage; // 0: words only
 */
export function lexicalOnly(tuning: Tuning): Tuning {
  return {
    ...withoutReader(tuning),
    fusion: { passage: 0, sentence: 0, lexical: 1, sentenceLexical: 0, phrase: 0, local: 0 },
    pick: { dense: 0, lexical: 1, phrase: 0.3, context: 0.3, answerType: 0 },
  };
}

/** @example denseOnly(DEFAULT_TUNING).fusion.lexical; // 0: embeddings only */
export function denseOnly(tuning: Tuning): Tuning {
  return {
    ...withoutReader(tuning),
    fusion: { passage: 0.5, sentence: 0.5, lexical: 0, sentenceLexical: 0, phrase: 0, local: 0 },
    pick: { dense: 1, lexical: 0, phrase: 0, context: 0.3, answerType: 0 },
  };
}
