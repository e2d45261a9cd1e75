import { describe, expect, it } from 'vitest';
import { acronymAlternatives, hasAcronym } from '../../src/answer/acronyms.js';
import { QuestionTerms, SentenceTermTable } from '../../src/index/sentence-terms.js';
import { terms } from '../../src/text/terms.js';

describe('acronyms and their expansions', () => {
  it('finds an acronym of the question written out in the candidates, connectors allowed', () => {
    const alts = acronymAlternatives('How many fighters does the SDF hold?', [
      'Blinken noted that 10,000 ISIS militants are being detained by Syrian Democratic Forces.',
      'Nothing here spells it: Some Different Words, or sdf in lower case.',
    ]);
    expect(alts.get('sdf')).toEqual([['syrian', 'democrat', 'forc']]);
    expect(acronymAlternatives('What did the DoD say?', ['The Department of Defense said so.']).size).toBe(0); // "DoD" is not all capitals
    expect(acronymAlternatives('What did the DD say?', ['The Department of Defense said so.']).get('dd')).toEqual([['depart', 'defens']]);
  });

  it('lets a name written out in the question be matched by its acronym, but not the question’s first word', () => {
    const alts = acronymAlternatives('Who leads the Syrian Democratic Forces?', []);
    expect(alts.get('syrian')).toEqual([['sdf']]);
    expect(alts.get('forc')).toEqual([['sdf']]);
    expect(acronymAlternatives('Who leads them?', []).size).toBe(0);
    expect(hasAcronym('Who leads the SDF?')).toBe(true);
    expect(hasAcronym('Who leads the Syrian Democratic Forces? I')).toBe(false);
  });

  it('counts an expansion in a sentence as holding the acronym (and its weight)', () => {
    const table = SentenceTermTable.build(['Militants are detained by Syrian Democratic Forces.', 'The SDF holds them.', 'Forces of nature.']);
    const question = 'Who holds the SDF prisoners?';
    const plain = new QuestionTerms(table, terms(question), () => 1);
    const withAlts = new QuestionTerms(table, terms(question), () => 1, acronymAlternatives(question, ['detained by Syrian Democratic Forces']));
    expect(plain.match(0).share).toBe(0);
    expect(withAlts.match(0).share).toBeCloseTo(1 / 3); // sdf held through its expansion; hold, prison not
    expect(withAlts.match(1).share).toBeCloseTo(2 / 3); // sdf + hold, as before
    expect(withAlts.match(2).share).toBe(0); // one word of the name is not the name
  });
});
