/**
 * Passages: windows of whole consecutive sentences, the second unit (besides sentences) that is
 * embedded and searched. A passage gives a sentence its context ("He said…" next to who "he" is).
 */
import type { Passage, Sentence } from '../types.js';

export interface PassageOptions {
  /** Word pieces per passage, at most, title prefix included (the model's limit is 256). */
  maxTokens: number;
  /** Close a passage at a paragraph break once it holds this many word pieces. */
  softTokens: number;
}

export const DEFAULT_PASSAGE_OPTIONS: PassageOptions = { maxTokens: 240, softTokens: 120 };

/**
 * Packs sentences greedily into passages of at most `maxTokens`, preferring paragraph breaks.
 * A sentence longer than the limit gets a passage of its own (the embedder cuts it).
 *
 * @example
 * const passages = packPassages(text, sentences, (s) => embedder.countTokens(s), 10);
 * // [{ first: 0, last: 4 }, { first: 4, last: 9 }, …]
 */
export function packPassages(
  text: string,
  sentences: Sentence[],
  countTokens: (s: string) => number,
  prefixTokens = 0,
  options: PassageOptions = DEFAULT_PASSAGE_OPTIONS,
): Passage[] {
  const out: Passage[] = [];
  let first = 0;
  let tokens = prefixTokens;
  for (let i = 0; i < sentences.length; i++) {
    // Word pieces of this sentence, without the [CLS]/[SEP] the counter adds.
    const n = Math.max(1, countTokens(text.slice(sentences[i].start, sentences[i].end)) - 2);
    const paragraphBreak = i > first && text.slice(sentences[i - 1].end, sentences[i].start).includes('\n\n');
    if (i > first && (tokens + n > options.maxTokens || (paragraphBreak && tokens >= options.softTokens))) {
      out.push({ first, last: i });
      first = i;
      tokens = prefixTokens;
    }
    tokens += n;
  }
  if (sentences.length > first) out.push({ first, last: sentences.length });
  return out;
}

/**
 * The text embedded for a passage: its title, then its sentences as they stand in the article.
 *
 * @example
 * passageText(article.title, article.text, sentences, { first: 0, last: 3 });
 * // 'IS push could take years: Kerry. It will likely take years …'
 */
export function passageText(title: string, text: string, sentences: Sentence[], p: Passage): string {
  const body = passageBody(text, sentences, p);
  return title ? `${title}. ${body}` : body;
}

/**
 * A passage's sentences as they stand in the article (from its first sentence's start to its last's end).
 *
 * @example
 * passageBody(article.text, article.sentences, { first: 0, last: 2 }); // 'It will likely take years … Iraq.'
 */
export function passageBody(text: string, sentences: Sentence[], p: Passage): string {
  return text.slice(sentences[p.first].start, sentences[p.last - 1].end);
}
