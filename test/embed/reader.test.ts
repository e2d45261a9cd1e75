/**
 * The shipped reader, run for real: it loads from the project's own folder (no MODEL_DIR, no
 * download), says "answers" for the sentence that holds the asked-for fact and "does not" for
 * on-topic sentences that don't, and a missing model is one clear error.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_READER_DIR, Reader } from '../../src/embed/reader.js';
import { ModelError } from '../../src/embed/embedder.js';

describe('the reader', () => {
  it('loads the shipped model once and scores an answering sentence above 0 and topic-only ones below', async () => {
    const reader = await Reader.shared();
    expect(await Reader.shared(DEFAULT_READER_DIR)).toBe(reader);
    const [answers, topicOnly, other] = await reader.score('How many coalition air missions have been flown?', [
      'Kerry said: "The roughly 1,000 coalition air missions that we have flown have reduced the ability of IS to operate."',
      'Coalition foreign ministers met in Brussels to discuss the air campaign against the Islamic State.',
      'The European Union agreed a new budget for farming subsidies.',
    ]);
    expect(answers).toBeGreaterThan(0);
    expect(topicOnly).toBeLessThan(0);
    expect(other).toBeLessThan(0);
    expect(answers).toBeGreaterThan(topicOnly);
  });

  it('prefers the sentence naming the person asked for over the one that repeats the question', async () => {
    const reader = await Reader.shared();
    const [repeats, names] = await reader.score('Which drug-testing expert backed Chelsea over sacking Mutu?', [
      'Chelsea have sacked Adrian Mutu after he failed a drugs test.',
      "Chelsea's move won backing from drug-testing expert Michelle Verroken.",
    ]);
    expect(names).toBeGreaterThan(repeats);
  });

  it('gives a pair the same logit whatever it is read with (no batch-mates, no padding)', async () => {
    // Two readers, so neither answers from the other's cache of scores.
    const [alone, among] = await Promise.all([Reader.load(), Reader.load()]);
    const question = 'How many coalition air missions have been flown?';
    const short = 'Kerry said the coalition has flown roughly 1,000 air missions.';
    const others = [
      'Coalition foreign ministers met in Brussels on Wednesday to discuss the air campaign against the Islamic State, which has seized large parts of Iraq and Syria, and agreed to meet again next year.',
      'No.',
    ];
    const [inBatch] = await among.score(question, [short, ...others]);
    const [single] = await alone.score(question, [short]);
    // Batched, the int8 model quantized all three with one scale and padded the short ones: 0.4 logit apart on average.
    expect(inBatch).toBe(single);
  });

  it('cuts long sentences and questions to its trained length instead of failing', async () => {
    const reader = await Reader.shared();
    const long = 'word '.repeat(400);
    const scores = await reader.score(`${long}?`, [long, 'Short.']);
    expect(scores).toHaveLength(2);
    expect(Number.isFinite(scores[0]) && Number.isFinite(scores[1])).toBe(true);
    expect(await reader.score('Anything?', [])).toHaveLength(0);
  });

  it('a missing model folder is one clear error naming READER_MODEL', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-reader');
    const error = await Reader.load(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toMatch(/READER_MODEL/);
  });
});
