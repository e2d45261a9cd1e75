/**
 * Acronyms and their expansions count as the same words: news writes "Syrian Democratic Forces" once
 * and "SDF" after, and a question may use either. Expansions are found where they are written (the
 * candidate passages, the question itself), never from a fixed list.
 */
import { terms } from '../text/terms.js';

/** Words allowed inside a name without giving it a letter ("Department of Defense" → DD). */
const CONNECTORS = new Set(['of', 'the', 'for', 'and', 'on', 'de', 'al']);
const ACRONYM = /\b[A-Z][A-Z0-9]{1,5}\b/g;

/**
 * Whether the question holds an acronym (two or more capitals), i.e. whether passages are worth
 * scanning for its expansion.
 *
 * @example
 * hasAcronym('How many fighters does the SDF hold?'); // true
 */
export function hasAcronym(question: string): boolean {
  return (question.match(ACRONYM) ?? []).some((a) => /[A-Z].*[A-Z]/.test(a));
}

/**
 * Alternatives for the question's terms: an acronym's term may be matched by its expansion's terms
 * (in a row), and each term of a written-out name by the name's acronym.
 *
 * @example
 * acronymAlternatives('How many fighters does the SDF hold?', ['… detained by Syrian Democratic Forces …']);
 * // Map { 'sdf' => [['syrian', 'democrat', 'forc']] }
 * acronymAlternatives('Who leads the Syrian Democratic Forces?', []);
 * // Map { 'syrian' => [['sdf']], 'democrat' => [['sdf']], 'forc' => [['sdf']] }
 */
export function acronymAlternatives(question: string, texts: readonly string[]): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  const add = (term: string, alt: string[]) => {
    const list = out.get(term) ?? [];
    if (!list.some((x) => x.join(' ') === alt.join(' '))) list.push(alt);
    out.set(term, list);
  };
  const acronyms = [...new Set(question.match(ACRONYM) ?? [])].filter((a) => /[A-Z].*[A-Z]/.test(a) && /^[A-Z]+$/.test(a));
  if (acronyms.length > 0 && texts.length > 0) {
    const all = texts.join('\n');
    for (const acronym of acronyms) {
      const acronymTerm = terms(acronym)[0];
      if (!acronymTerm) continue;
      // One regex per acronym over all candidates: "S…  D…  F…" capitalized words in a row, connectors allowed.
      for (const m of all.matchAll(expansionPattern(acronym))) {
        const words = m[0].split(/\s+/).filter((w) => !CONNECTORS.has(w.toLowerCase()));
        const expansion = terms(words.join(' '));
        if (expansion.length === words.length) add(acronymTerm, expansion);
      }
    }
  }
  // The other way round: a name written out in the question, its acronym in the articles.
  for (const name of capitalizedNames(question, true)) {
    const acronymTerm = terms(name.words.map((w) => w[0]).join(''))[0];
    if (!acronymTerm) continue;
    for (const t of terms(name.words.join(' '))) add(t, [acronymTerm]);
  }
  return out;
}

/** Capitalized words whose initials spell `acronym`, with connectors ("of", "the") allowed between them. */
function expansionPattern(acronym: string): RegExp {
  const connectors = `(?:(?:${[...CONNECTORS].join('|')})\\s+)*`;
  const words = [...acronym].map((letter) => `${letter}\\p{Ll}[\\p{L}'’-]*`);
  return new RegExp(`(?<![\\p{L}\\p{N}])${words.join(`\\s+${connectors}`)}(?![\\p{L}\\p{N}])`, 'gu');
}

/**
 * Runs of two or more capitalized words (connectors such as "of" allowed between them): candidate
 * names. With `skipFirst`, a run may not start at the text's first word (capitalized anyway).
 */
function capitalizedNames(text: string, skipFirst = false): { words: string[] }[] {
  const out: { words: string[] }[] = [];
  const tokens = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 2) out.push({ words: run });
    run = [];
  };
  tokens.forEach((tok, i) => {
    const capitalized = /^\p{Lu}\p{Ll}/u.test(tok) && !(skipFirst && i === 0);
    if (capitalized) run.push(tok);
    else if (run.length > 0 && CONNECTORS.has(tok.toLowerCase())) return; // "Department of Defense"
    else flush();
  });
  flush();
  return out;
}
