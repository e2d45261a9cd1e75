/**
 * Questions for the load, reindex and soak tests: the seed questions of ../shared/eval plus
 * generated variants (prefixes, suffixes, case, punctuation, an unknown word), so that the engine's
 * question-embedding cache does not make every question free.
 *
 * @example
 * const pool = questionPool(300); // 300 distinct questions
 */
import fs from 'node:fs';
import path from 'node:path';

const SEED_FILE = path.resolve(import.meta.dirname, '../../../shared/eval/seed-questions.jsonl');

const FALLBACK = [
  'How many air missions has the coalition flown?',
  'Who is the Pentagon spokesman?',
  'What did Kerry say about the coalition?',
  'Where did the coalition ministers meet?',
  'What did Iran do against ISIL?',
];

/** The seed questions (or a few built-in ones when the shared eval set is absent). */
export function seedQuestions(): string[] {
  try {
    return fs
      .readFileSync(SEED_FILE, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { question: string }).question);
  } catch {
    return FALLBACK;
  }
}

const PREFIXES = ['', 'Please tell me: ', 'Quick question — ', 'hey, ', 'I wonder, ', 'Can you check: ', 'Out of curiosity, ', 'According to the articles, '];
const SUFFIXES = ['', ' Thanks!', ' (asking for a friend)', ' 🙏', '??', ' please', ' zorblax', ' — in 2014'];

/** `n` distinct questions: seeds first, then prefix/suffix/case variants of them. */
export function questionPool(n: number): string[] {
  const seeds = seedQuestions();
  const out = new Set<string>(seeds);
  for (let v = 0; out.size < n && v < PREFIXES.length * SUFFIXES.length * 2; v++) {
    const prefix = PREFIXES[v % PREFIXES.length];
    const suffix = SUFFIXES[Math.floor(v / PREFIXES.length) % SUFFIXES.length];
    for (const q of seeds) {
      if (out.size >= n) break;
      const body = v >= PREFIXES.length * SUFFIXES.length ? q.toLowerCase() : q;
      out.add(`${prefix}${prefix ? body[0].toLowerCase() + body.slice(1) : body}${suffix}`);
    }
  }
  return [...out].slice(0, n);
}
