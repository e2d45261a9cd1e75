import { describe, expect, it } from 'vitest';
import { MAX_QUESTION_CHARS, normalizeQuestion } from '../../src/answer/question.js';
import { answerType, hasAnswerType } from '../../src/answer/answer-type.js';

describe('normalizeQuestion', () => {
  it('removes Discord mentions and folds white space and trailing punctuation', () => {
    expect(normalizeQuestion('<@123456> <@!42>  Who is the\n\n Pentagon   spokesman ??? ').text).toBe('Who is the Pentagon spokesman?');
    expect(normalizeQuestion('@everyone <@&99> <#77> when did it start?!').text).toBe('when did it start?');
  });

  it('answers empty, whitespace-only and mention-only input with a helpful notice', () => {
    for (const raw of ['', '   \n\t', '<@123>', '???']) {
      const n = normalizeQuestion(raw);
      expect(n.text).toBe('');
      expect(n.notice).toMatch(/Ask me a question/);
    }
  });

  it('cuts very long input at a word boundary and says so', () => {
    const n = normalizeQuestion('why '.repeat(1000));
    expect(n.text.length).toBeLessThanOrEqual(MAX_QUESTION_CHARS);
    expect(n.text.endsWith('why')).toBe(true);
    expect(n.notice).toMatch(/first \d+ characters/);
  });

  it('strips zalgo stacks but keeps accents and other scripts', () => {
    expect(normalizeQuestion('Wh̵̡̢o̶̢̧ is Kerry?').text).toBe('Who is Kerry?');
    expect(normalizeQuestion('Qui est le porte-parole du Pentagone ?').text).toBe('Qui est le porte-parole du Pentagone?');
    expect(normalizeQuestion('من هو المتحدث باسم البنتاغون؟').text).toBe('من هو المتحدث باسم البنتاغون؟');
  });
});

describe('answerType', () => {
  it('recognises what the question asks for', () => {
    expect(answerType('How many air missions has the coalition flown?')).toBe('number');
    expect(answerType('When did the conflict in Syria begin?')).toBe('date');
    expect(answerType('Who is the Pentagon spokesman?')).toBe('person');
    expect(answerType('Where did the ministers meet?')).toBe('place');
    expect(answerType('Why did they meet?')).toBe('other');
  });

  it('finds an answer of that type in a sentence, ignoring names the question already has', () => {
    expect(hasAnswerType('The roughly 1,000 coalition air missions', 'number', '')).toBe(true);
    expect(hasAnswerType('It began in 2011.', 'date', '')).toBe(true);
    expect(hasAnswerType('The Pentagon said so.', 'person', 'Who is the Pentagon spokesman?')).toBe(false);
    expect(hasAnswerType('Pentagon spokesman Rear Admiral John Kirby said', 'person', 'Who is the Pentagon spokesman?')).toBe(true);
  });
});
