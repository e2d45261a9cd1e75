/**
 * The kind of answer a question asks for (who / when / how many / where), and whether a sentence
 * holds something of that kind: a cheap signal that separates "the sentence that answers" from
 * "a sentence on the same topic".
 */

export type AnswerType = 'number' | 'duration' | 'date' | 'person' | 'place' | 'other';

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december';
const DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|billion|trillion|half';

/**
 * @example
 * answerType('How many air missions has the coalition flown?'); // 'number'
 * answerType('When did the conflict in Syria begin?');          // 'date'
 */
export function answerType(question: string): AnswerType {
  const q = question.toLowerCase();
  if (/\bhow long\b/.test(q)) return 'duration';
  if (/\b(how (many|much|far|old|big|large|often)|what (number|percentage|percent|proportion|amount))\b/.test(q)) return 'number';
  if (/\b(when|what (year|date|day|month|time|decade|century)|which (year|date|day|month))\b/.test(q)) return 'date';
  if (/\b(who|whom|whose)\b/.test(q)) return 'person';
  if (/\b(where|what (country|city|place|region)|which (country|city|place|region))\b/.test(q)) return 'place';
  return 'other';
}

/**
 * Whether a sentence holds an answer of the asked type (ignoring words the question already has).
 *
 * @example
 * hasAnswerType('The roughly 1,000 coalition air missions…', 'number', ''); // true
 */
export function hasAnswerType(sentence: string, type: AnswerType, question: string): boolean {
  switch (type) {
    case 'number':
      return new RegExp(`\\d|\\b(${NUMBER_WORDS})\\b`, 'i').test(sentence);
    case 'duration':
      return /\b(\d+|a|one|two|three|several|many|few)?\s*(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century)\b/i.test(sentence);
    case 'date':
      return new RegExp(`\\b(${MONTHS}|${DAYS}|\\d{4}|yesterday|today|tomorrow|week|month|year|years|decade|century|summer|winter|spring|autumn)\\b`, 'i').test(sentence);
    case 'person':
    case 'place': {
      const known = new Set(question.toLowerCase().match(/\p{L}+/gu) ?? []);
      // A capitalized word not at the very start and not already in the question: a name.
      const names = sentence.slice(1).match(/\b\p{Lu}\p{Ll}+/gu) ?? [];
      return names.some((n) => !known.has(n.toLowerCase()));
    }
    default:
      return false;
  }
}

/**
 * The question without the words that only say what kind of answer is wanted ("how long", "what year"),
 * so the lexical side does not look for "long" in "as long as it takes".
 *
 * @example
 * withoutAnswerTypeWords('How long will the fight take?'); // ' will the fight take?'
 */
export function withoutAnswerTypeWords(question: string): string {
  return question.replace(/\bhow (long|many|much|far|old|big|large|often)\b|\bwhat (year|date|day|month|time|number|percentage)\b/gi, ' ');
}

/**
 * How much an answer-type match says: a number or date in the sentence is strong evidence for a
 * "how many"/"when" question; a capitalised word is weak evidence for "who"/"where" (most sentences have one).
 */
export function answerTypeStrength(type: AnswerType): number {
  return type === 'number' || type === 'date' || type === 'duration' ? 1 : type === 'other' ? 0 : 0.3;
}
