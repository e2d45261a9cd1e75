/**
 * The kind of answer a question asks for (who / when / how many / where / which ones), and whether a sentence
 * holds something of that kind: a cheap signal that separates "the sentence that answers" from
 * "a sentence on the same topic".
 */

export type AnswerType = 'number' | 'duration' | 'date' | 'list' | 'person' | 'place' | 'other';

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december';
const DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|billion|trillion|half|quarter|quarters';
/**
 * A date or period: a month, a weekday, a year ("2014", "in 911", "44 BC"), a decade ("the 1050s", "1980's"), a
 * century, a season, a geological epoch ("the Miocene"), or a relative day.
 */
const DATE = new RegExp(
  `\\b(${MONTHS}|${DAYS}|\\d{4}|\\d{1,3}0'?s|yesterday|today|tomorrow|week|month|year|years|decade|decades|century|centuries|millennium|summer|winter|spring|autumn|(?:paleo|eo|oligo|mio|plio|pleisto|holo)cene)\\b` +
    `|\\b(in|by|since|until|from|around|circa|c\\.)\\s+\\d{3}\\b|\\b\\d{1,4}\\s*(AD|BC|BCE|CE)\\b`,
  'i',
);

/** Words ending in -s after "what"/"which" that are not plural nouns ("What does…", "What happens…", "which years"). */
const NOT_PLURAL = new Set([
  'is', 'was', 'has', 'does', 'goes', 'happens', 'means', 'makes', 'causes', 'remains', 'seems', 'becomes', 'this', 'its', 'his', 'as', 'us', 'thus',
  'news', 'years', 'days', 'months', 'weeks', 'hours', 'times', 'dates', 'decades',
]);

/**
 * A question that asks for several things by name: "Which countries…", "What forces…", "Name the…",
 * "List the…". A singular "which country" asks for one place, not a list, and a name after "which" ("Which UBS
 * strategist…") is not a plural noun.
 */
function asksForList(q: string, asked: string): boolean {
  if (/^\s*(name|list)\b/i.test(q) || /\b(name|list) (the|all|some|two|three|four|five|several)\b/i.test(q)) return true;
  const noun = /^(?:which|what)\s+(\p{L}+)/iu.exec(asked)?.[1];
  if (!noun || !/^\p{Ll}/u.test(noun) || NOT_PLURAL.has(noun)) return false;
  return noun === 'people' || (noun.endsWith('s') && !/(ss|us|is)$/.test(noun));
}

/**
 * The question's own wh-word: the first one not opening a relative clause after a comma. A later "when" or
 * "who" opens a clause ("Who led it when…"); ", which was how many years ago?" asks "how many".
 */
const WH_WORD = /(?<!,\s*)\b(?:who|whom|whose|when|where|what|which|how|why)\b/i;

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
 * What the question asks for, read from its own wh-word (the first: "Who was the leader when the Franks came?"
 * asks for a person, not a date); a question without one is read whole.
 *
 * @example
 * answerType('How many air missions has the coalition flown?'); // 'number'
 * answerType('When did the conflict in Syria begin?');          // 'date'
 * answerType('Who led the coalition when it was formed?');      // 'person'
 */
export function answerType(question: string): AnswerType {
  const at = WH_WORD.exec(question)?.index;
  const asked = at === undefined ? question : question.slice(at);
  const a = asked.toLowerCase();
  // Anchored at the wh-word when there is one; anywhere in a question without one.
  const opens = (re: string) => new RegExp(at === undefined ? `\\b(?:${re})\\b` : `^(?:${re})\\b`).test(a);
  if (opens('how long')) return 'duration';
  // "What time…" asks for a clock or a race time ("in 1.45secs"): a number either way.
  if (opens('how (?:many|much|far|old|big|large|often)|what (?:number|percentage|percent|proportion|amount|time)')) return 'number';
  if (opens('when|what (?:year|date|day|month|decade|century)|which (?:year|date|day|month)')) return 'date';
  if (asksForList(question, asked)) return 'list';
  if (opens('who|whom|whose')) return 'person';
  if (opens('where|what (?:country|city|place|region)|which (?:country|city|place|region)')) return 'place';
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
      return new RegExp(`\\d|\\b(${NUMBER_WORDS})\\b`, 'i').test(withoutQuestionNumbers(sentence, question));
    case 'duration':
      // A length ("three years") or a start it runs from ("since the 1970s").
      return /\b(\d+|a|one|two|three|several|many|few)?\s*(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century)\b|\bsince\b/i.test(
        withoutQuestionNumbers(sentence, question),
      );
    case 'date':
      return DATE.test(withoutQuestionNumbers(sentence, question));
    case 'list':
      return hasList(sentence);
    case 'person':
    case 'place': {
      const known = new Set(question.toLowerCase().match(/\p{L}+/gu) ?? []);
      // A capitalized word or an acronym ("ITV"), not at the very start and not already in the question: a name.
      const names = sentence.slice(1).match(/\b\p{Lu}(?:\p{Ll}+|\p{Lu}+\b)/gu) ?? [];
      return names.some((n) => !known.has(n.toLowerCase()));
    }
    default:
      return false;
  }
}

/** A number the question itself holds ("…by December 2014?") says nothing of the answer: it is taken out. */
function withoutQuestionNumbers(sentence: string, question: string): string {
  const asked = new Set(question.match(/\d[\d,.]*\d|\d/g) ?? []);
  return asked.size ? sentence.replace(/\d[\d,.]*\d|\d/g, (n) => (asked.has(n) ? ' ' : n)) : sentence;
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
