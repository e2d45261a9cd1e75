/**
 * The kind of answer a question asks for (who / when / how many / where / which ones), and whether a sentence
 * holds something of that kind: a cheap signal that separates "the sentence that answers" from
 * "a sentence on the same topic".
 */

export type AnswerType = 'number' | 'duration' | 'date' | 'list' | 'person' | 'place' | 'other';

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december';
const DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|billion|trillion|half';

/** Words ending in -s after "what"/"which" that are not plural nouns ("What does…", "What happens…", "which years"). */
const NOT_PLURAL = new Set([
  'is', 'was', 'has', 'does', 'goes', 'happens', 'means', 'makes', 'causes', 'remains', 'seems', 'becomes', 'this', 'its', 'his', 'as', 'us', 'thus',
  'news', 'years', 'days', 'months', 'weeks', 'hours', 'times', 'dates', 'decades',
]);

/**
 * A question that asks for several things by name: "Which countries…", "What forces…", "Name the…",
 * "List the…". A singular "which country" asks for one place, not a list.
 */
function asksForList(q: string): boolean {
  if (/^\s*(name|list)\b/.test(q) || /\b(name|list) (the|all|some|two|three|four|five|several)\b/.test(q)) return true;
  const noun = /\b(?:which|what)\s+(\p{L}+)/u.exec(q)?.[1];
  if (!noun || NOT_PLURAL.has(noun)) return false;
  return noun === 'people' || (noun.endsWith('s') && !/(ss|us|is)$/.test(noun));
}

/**
 * A name in a list: capitalised words ("Saudi Arabia", "the United Arab Emirates"), then at most two lower-case
 * ones ("Iraqi army"). Bounded repetitions keep the match linear on long sentences.
 */
const LIST_ITEM = String.raw`(?:the\s+)?\p{Lu}[\p{L}\p{M}'’.-]*(?:\s+(?:of\s+)?\p{Lu}[\p{L}\p{M}'’.-]*){0,5}(?:\s+(?!(?:and|or)\b)\p{Ll}[\p{L}-]*){0,2}`;
/** Three or more names separated by commas and a final "and"/"or": "Britain, France, Germany … and Denmark". */
const LIST = new RegExp(`${LIST_ITEM}(?:(?:\\s*,\\s*(?:(?:and|or)\\s+)?|\\s+(?:and|or)\\s+)${LIST_ITEM}){2,}`, 'gu');

/**
 * Whether a sentence holds a list of names: at least three capitalised items, at least one comma between them.
 *
 * @example
 * hasList('Hagel told ministers from Britain, France, Germany and Denmark that…'); // true
 * hasList('Kerry and Hagel met in Brussels.');                                       // false
 */
export function hasList(sentence: string): boolean {
  return [...sentence.matchAll(LIST)].some((m) => m[0].includes(','));
}

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
  if (asksForList(q)) return 'list';
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
    case 'list':
      return hasList(sentence);
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
 * "how many"/"when" question; a capitalised word is weak evidence for "who"/"where" (most sentences have one);
 * a list of names is between the two for "which countries": rarer than a name, but a sentence on the
 * topic may list other things.
 */
export function answerTypeStrength(type: AnswerType): number {
  if (type === 'number' || type === 'date' || type === 'duration') return 1;
  if (type === 'list') return 0.5;
  return type === 'other' ? 0 : 0.3;
}
