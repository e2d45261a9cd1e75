/**
 * Question normalization: what every face does to raw input before the engine sees it.
 */

/** Questions longer than this are cut (the model reads ~256 word pieces anyway). */
export const MAX_QUESTION_CHARS = 500;

export interface NormalizedQuestion {
  /** The cleaned question; empty when there was nothing to ask. */
  text: string;
  /** Set when the input was empty or cut, worded for the asker. */
  notice?: string;
}

/**
 * Removes Discord mentions, folds white space, trims repeated trailing punctuation, cuts long input.
 *
 * @example
 * normalizeQuestion('<@123>  Who is the   Pentagon spokesman???').text; // 'Who is the Pentagon spokesman?'
 * normalizeQuestion('   ').notice; // 'Ask me a question about the news articles, for example …'
 */
export function normalizeQuestion(raw: string): NormalizedQuestion {
  let text = (raw ?? '')
    .replace(/<@[!&]?\d+>|<#\d+>|<a?:\w+:\d+>/g, ' ') // user, role, channel mentions and custom emoji
    .replace(/@(everyone|here)\b/gi, ' ')
    .replace(/[\u0300-\u036f\u0489]{3,}/g, '') // zalgo: stacks of combining marks
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*([?!.])[?!.\s]*$/, '$1');
  if (!/[\p{L}\p{N}]/u.test(text)) {
    return { text: '', notice: 'Ask me a question about the news articles, for example: "How many air missions has the coalition flown?"' };
  }
  let notice: string | undefined;
  if (text.length > MAX_QUESTION_CHARS) {
    const cut = text.slice(0, MAX_QUESTION_CHARS);
    text = cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_QUESTION_CHARS - 50)).trim();
    notice = `Your question was long, so I read only its first ${text.length} characters.`;
  }
  return { text, notice };
}
