/**
 * Answer → Discord messages. Pure functions (no client, no I/O) so every limit is unit-testable.
 *
 * An answer is one embed per quote: the article title (linked when its URL is known) as the embed
 * title, the quote as a block quote, then publisher and date. Discord's limits are kept here and only
 * here: ≤ 4096 characters per description, ≤ 6000 per message across embeds, ≤ 10 embeds, ≤ 2000
 * characters of content. A quote too long for one embed is trimmed at a word with "…"; embeds that do
 * not fit one message move to the next message (the caller sends the extra messages as follow-ups).
 * Every text from the corpus is markdown-escaped and mention-neutralized, and every payload carries
 * `allowedMentions: { parse: [] }`.
 */
import {
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
} from 'discord.js';
import type { QuoteContext, SourceInfo } from '../answer/api.js';
import type { Answer, Citation, Quote } from '../types.js';
import { encodeButton } from './custom-id.js';

export const LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFooter: 2048,
  fieldName: 256,
  fieldValue: 1024,
  embedsPerMessage: 10,
  embedTotal: 6000,
  buttonLabel: 80,
} as const;

const COLOR = { answer: 0x2b6cb0, abstain: 0x718096, source: 0x2f855a, context: 0x805ad5, help: 0x2b6cb0 } as const;

/** A message as the bot sends it: usable as `message.reply()`, `interaction.reply()` or `editReply()` options. */
export interface ReplyPayload {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowedMentions: { parse: []; repliedUser: false };
}

const NO_MENTIONS = (): ReplyPayload['allowedMentions'] => ({ parse: [], repliedUser: false });

/**
 * Escapes Discord markdown and defuses mentions so a text displays exactly as written and pings nobody:
 * `@everyone`, `<@id>`, `<#id>`, `</cmd:id>`, `<t:…>` get an invisible zero-width space.
 *
 * @example
 * escapeText('**Breaking** @everyone'); // '\\*\\*Breaking\\*\\* @\u200beveryone'
 */
export function escapeText(text: string): string {
  // escapeMarkdown is superlinear on long runs of text: escape in chunks cut after whitespace (its
  // rules look at most at the neighbouring characters and line starts, which a cut after a space keeps).
  const chunks = text.match(/[\s\S]{1,200}(?:\S*\s|$)|[\s\S]{1,200}/g) ?? [];
  const escaped = chunks
    .map((c) => escapeMarkdown(c, { heading: true, bulletedList: true, numberedList: true, maskedLink: true }))
    .join('')
    // Line starts that escapeMarkdown leaves alone: block quotes and "-#" subtext.
    .replace(/^(\s*)(>|-#)/gm, '$1\\$2');
  return escaped.replace(/@(everyone|here)/g, '@\u200b$1').replace(/<(?=[@#:/]|a:|t:)/g, '<\u200b');
}

/**
 * Cuts text to at most `max` characters, at a word boundary when one is near, adding "…".
 *
 * @example
 * truncate('The coalition has flown roughly 1,000 air missions.', 30); // 'The coalition has flown …'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  if (space > max * 0.6) cut = cut.slice(0, space);
  // Never end on a lone backslash (it would escape the "…") or half a surrogate pair.
  cut = cut.replace(/\\+$/, (m) => (m.length % 2 ? m.slice(1) : m)).replace(/[\uD800-\uDBFF]$/, '');
  return cut.trimEnd() + '…';
}

/** Prefixes every line with "> " so Discord shows it as a block quote. */
function blockQuote(escaped: string): string {
  return escaped
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/**
 * Escapes at most what Discord can show: escaping never shortens text, so characters past the 4096th
 * can never be displayed (and escapeMarkdown is slow on very long unbroken strings).
 */
function escapeShown(text: string): string {
  return escapeText(text.trim().slice(0, LIMITS.embedDescription + 1));
}

/** Escaped text as a block quote of at most `max` characters (trimmed with "…" when needed). */
function fitBlockQuote(escaped: string, max: number): { text: string; trimmed: boolean } {
  let block = blockQuote(escaped);
  if (block.length <= max) return { text: block, trimmed: false };
  let budget = max;
  for (let i = 0; i < 8 && block.length > max; i++) {
    budget -= block.length - max + 1;
    block = blockQuote(truncate(escaped, Math.max(1, budget)));
  }
  return { text: block.slice(0, max), trimmed: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Formats an ISO date for display; anything else is shown as given.
 *
 * @example
 * formatDate('2014-12-03'); // '3 Dec 2014'
 */
export function formatDate(date: string | null): string | null {
  if (!date) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return date;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

/** An http(s) URL safe to put in a markdown link or an embed url; undefined otherwise. */
function safeUrl(url: string | null): string | undefined {
  if (!url || url.length > 1000) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined;
  }
}

/**
 * A citation as one markdown line: linked title (when the URL is known), publisher, date.
 *
 * @example
 * citationLine({ id: 'a1', file: 'a1.txt', title: 'Kerry hosts coalition', publisher: 'VOA', date: '2014-12-03', url: 'https://voa.com/x' });
 * // '[Kerry hosts coalition](https://voa.com/x) · VOA · 3 Dec 2014'
 */
export function citationLine(c: Citation, maxTitle = 120): string {
  const title = escapeText(truncate(c.title || c.file, maxTitle)).replace(/[[\]]/g, '\\$&');
  const url = safeUrl(c.url);
  const parts = [url ? `[${title}](${url})` : `**${title}**`, c.publisher ? escapeText(c.publisher) : null, formatDate(c.date)];
  return parts.filter(Boolean).join(' · ');
}

/** Publisher · date (or the file when neither is known). */
function metaLine(c: Citation): string {
  const parts = [c.publisher ? escapeText(c.publisher) : null, formatDate(c.date)].filter(Boolean);
  return parts.length ? parts.join(' · ') : escapeText(c.file);
}

/**
 * Characters Discord counts toward the 6000 limit of one message's embeds.
 *
 * @example
 * embedLength({ title: 'abc', description: 'de' }); // 5
 */
export function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function quoteEmbed(q: Quote, position: number): APIEmbed {
  const url = safeUrl(q.source.url);
  const tail: string[] = [`— ${metaLine(q.source)}`];
  if (q.alsoIn.length) {
    const also = q.alsoIn.slice(0, 5).map((c) => citationLine(c, 80));
    tail.push(truncate(`Also in: ${also.join('; ')}${q.alsoIn.length > 5 ? ` and ${q.alsoIn.length - 5} more` : ''}`, 1000));
  }
  const tailText = tail.join('\n');
  const note = '\n-# Passage trimmed to fit Discord; "Show context" has the full text.';
  const escaped = escapeShown(q.text);
  let quote = fitBlockQuote(escaped, LIMITS.embedDescription - tailText.length - 2);
  if (quote.trimmed) quote = fitBlockQuote(escaped, LIMITS.embedDescription - tailText.length - 2 - note.length);
  return {
    title: truncate(`${position}. ${q.source.title || q.source.file}`, LIMITS.embedTitle),
    ...(url ? { url } : {}),
    description: `${quote.text}\n\n${tailText}${quote.trimmed ? note : ''}`,
    color: COLOR.answer,
  };
}

/** Splits embeds into messages of ≤ 10 embeds and ≤ 6000 characters. */
function packEmbeds(embeds: APIEmbed[], firstBudget: number): APIEmbed[][] {
  const messages: APIEmbed[][] = [[]];
  let used = LIMITS.embedTotal - firstBudget;
  for (const e of embeds) {
    const n = embedLength(e);
    const current = messages[messages.length - 1];
    if (current.length > 0 && (used + n > LIMITS.embedTotal || current.length >= LIMITS.embedsPerMessage)) {
      messages.push([e]);
      used = n;
    } else {
      current.push(e);
      used += n;
    }
  }
  return messages.filter((m) => m.length > 0);
}

function row(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
  return { type: ComponentType.ActionRow, components: buttons };
}

type CustomIdStyle = ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger;

function button(customId: string, label: string, style: CustomIdStyle = ButtonStyle.Secondary, disabled = false): APIButtonComponent {
  return { type: ComponentType.Button, custom_id: customId, label: truncate(label, LIMITS.buttonLabel), style, disabled };
}

function emojiButton(customId: string, emoji: string): APIButtonComponent {
  return { type: ComponentType.Button, custom_id: customId, emoji: { name: emoji }, style: ButtonStyle.Secondary };
}

export interface AnswerRenderOptions {
  /** The answer-cache key its buttons carry; no key ⇒ no buttons. */
  key?: string;
  /** Quotes per page and the offset this answer starts at. */
  k: number;
  offset?: number;
}

/**
 * Renders an answer as one or more messages (the first replies; any others follow it). Buttons go on
 * the last message, under all the quotes.
 *
 * @example
 * const [first, ...rest] = renderAnswer(answer, { key: 'Qm3x_9aZ', k: 3 });
 * await message.reply(first);
 * for (const m of rest) await message.channel.send(m);
 */
export function renderAnswer(answer: Answer, options: AnswerRenderOptions): ReplyPayload[] {
  const offset = options.offset ?? 0;
  const notice = answer.notice ? truncate(escapeText(answer.notice.slice(0, LIMITS.content)), LIMITS.content - 3) : undefined;
  const votes = options.key
    ? [emojiButton(encodeButton({ kind: 'vote', key: options.key, vote: 'up' }), '👍'), emojiButton(encodeButton({ kind: 'vote', key: options.key, vote: 'down' }), '👎')]
    : [];

  if (answer.abstained || answer.quotes.length === 0) {
    const content =
      notice ??
      (offset > 0 ? 'No more passages answer this question.' : "The articles I have don't answer that, so I won't guess.");
    return [{ content, embeds: [], components: votes.length ? [row(...votes)] : [], allowedMentions: NO_MENTIONS() }];
  }

  const embeds = answer.quotes.map((q, i) => quoteEmbed(q, offset + i + 1));
  const shown = `${offset + 1}–${offset + answer.quotes.length}`;
  const footer = `Verbatim quotes from my sources · passages ${shown} · ${Math.round(answer.ms)} ms`;
  embeds[embeds.length - 1].footer = { text: footer };
  const pages = packEmbeds(embeds, LIMITS.embedTotal);

  const buttons: APIButtonComponent[] = [];
  if (options.key) {
    if (answer.quotes.length >= options.k) {
      buttons.push(button(encodeButton({ kind: 'more', key: options.key, offset: offset + answer.quotes.length }), 'More passages', ButtonStyle.Primary));
    }
    buttons.push(button(encodeButton({ kind: 'context', key: options.key, quote: 0 }), 'Show context'));
    buttons.push(...votes);
  }

  return pages.map((page, i) => ({
    // A tentative answer's notice is what the reader must see first, not small print.
    ...(i === 0 && notice ? { content: answer.tentative ? notice : `-# ${notice}` } : {}),
    embeds: page,
    components: i === pages.length - 1 && buttons.length ? [row(...buttons)] : [],
    allowedMentions: NO_MENTIONS(),
  }));
}

/**
 * "Show context": the sentences around a quote, with the quote itself in bold.
 *
 * @example
 * renderContext(engine.context(quote.sentenceId)!, quote.text);
 */
export function renderContext(ctx: QuoteContext, quoteText?: string): ReplyPayload {
  const url = safeUrl(ctx.source.url);
  const tail = `\n\n— ${citationLine(ctx.source)}`;
  const budget = LIMITS.embedDescription - tail.length;
  const at = quoteText ? ctx.text.indexOf(quoteText) : -1;
  let body: string;
  if (at >= 0 && quoteText && ctx.text.length <= budget) {
    const before = ctx.text.slice(0, at);
    const after = ctx.text.slice(at + quoteText.length);
    const marked = `${escapeText(before)}**${escapeText(quoteText)}**${escapeText(after)}`;
    body = marked.length + 2 * marked.split('\n').length <= budget ? blockQuote(marked) : fitBlockQuote(escapeShown(ctx.text), budget).text;
  } else {
    body = fitBlockQuote(escapeShown(ctx.text), budget).text;
  }
  return {
    embeds: [
      {
        title: truncate(`Context · ${ctx.source.title || ctx.source.file}`, LIMITS.embedTitle),
        ...(url ? { url } : {}),
        description: body + tail,
        color: COLOR.context,
      },
    ],
    components: [],
    allowedMentions: NO_MENTIONS(),
  };
}

/**
 * `/source`: one article's metadata, first paragraph and counts.
 *
 * @example
 * await interaction.reply(renderSource(engine.source('000_f22a988642fb4764')!));
 */
export function renderSource(info: SourceInfo): ReplyPayload {
  const url = safeUrl(info.url);
  const fields = [
    { name: 'Publisher', value: info.publisher ? truncate(escapeText(info.publisher), LIMITS.fieldValue) : 'unknown', inline: true },
    { name: 'Date', value: formatDate(info.date) ?? 'unknown', inline: true },
    { name: 'Indexed', value: `${info.passages} passage${info.passages === 1 ? '' : 's'}, ${info.sentences} sentence${info.sentences === 1 ? '' : 's'}`, inline: true },
    { name: 'Source id', value: truncate(`\`${info.id.replace(/`/g, "'")}\``, LIMITS.fieldValue), inline: false },
  ];
  if (url) fields.push({ name: 'Link', value: truncate(url, LIMITS.fieldValue), inline: false });
  const first = info.firstParagraph ? fitBlockQuote(escapeShown(info.firstParagraph), 3000).text : '*(no text)*';
  return {
    embeds: [
      {
        title: truncate(info.title || info.file, LIMITS.embedTitle),
        ...(url ? { url } : {}),
        description: first,
        fields,
        footer: { text: truncate(`File: ${info.file}`, LIMITS.embedFooter) },
        color: COLOR.source,
      },
    ],
    components: [],
    allowedMentions: NO_MENTIONS(),
  };
}

/** How many sources one `/sources` page lists. */
export const SOURCES_PER_PAGE = 10;

/**
 * `/sources`: one page of the corpus with ◀/▶ buttons (page numbers are 0-based and clamped).
 *
 * @example
 * await interaction.reply(renderSourcesPage(engine.sources(), 0));
 */
export function renderSourcesPage(sources: SourceInfo[], page: number, perPage = SOURCES_PER_PAGE): ReplyPayload {
  const pages = Math.max(1, Math.ceil(sources.length / perPage));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const slice = sources.slice(p * perPage, (p + 1) * perPage);
  const lines = slice.map((s, i) => {
    const meta = [s.publisher ? escapeText(truncate(s.publisher, 60)) : null, formatDate(s.date), `${s.passages} passages`].filter(Boolean).join(' · ');
    return `**${p * perPage + i + 1}.** ${citationLine({ ...s, publisher: null, date: null }, 90)}\n${meta} · \`${s.id.replace(/`/g, "'").slice(0, 100)}\``;
  });
  let description = lines.join('\n\n') || '*The index is empty.*';
  if (description.length > LIMITS.embedDescription) description = truncate(description, LIMITS.embedDescription);
  const components =
    pages > 1
      ? [
          row(
            button(encodeButton({ kind: 'sources', page: Math.max(0, p - 1) }), '◀ Previous', ButtonStyle.Secondary, p === 0),
            button(encodeButton({ kind: 'sources', page: Math.min(pages - 1, p + 1) }), 'Next ▶', ButtonStyle.Secondary, p === pages - 1),
          ),
        ]
      : [];
  // Both buttons need distinct custom ids even when one is disabled: on a 2-page list they are 0 and 1.
  return {
    embeds: [
      {
        title: `Sources · ${sources.length} article${sources.length === 1 ? '' : 's'}`,
        description,
        footer: { text: `Page ${p + 1} of ${pages} · /source id: shows one article` },
        color: COLOR.source,
      },
    ],
    components,
    allowedMentions: NO_MENTIONS(),
  };
}

/**
 * `/help`.
 *
 * @example
 * await interaction.reply({ ...renderHelp({ askChannelIds: ['123'], replyInThread: false }), flags: MessageFlags.Ephemeral });
 */
export function renderHelp(options: { askChannelIds: string[]; replyInThread: boolean }): ReplyPayload {
  const ways = [
    '• `/ask question:` — ask with a slash command',
    '• mention me with your question in any channel I can read',
    '• send me a direct message',
  ];
  if (options.askChannelIds.length) ways.push(`• post in ${options.askChannelIds.map((id) => `<#${id}>`).join(', ')} — no mention needed`);
  if (options.replyInThread) ways.push('• I answer channel questions in a thread; follow-up questions there need no mention');
  const description = [
    'I answer questions about a fixed set of news articles **only by quoting them**: every answer is exact sentences from the articles, each with its source (title, publisher, date and link). I never write an answer of my own; when the articles do not answer a question, I say so, and when I am not sure the closest sentences answer it, I say that above them.',
    '',
    '**Asking**',
    ...ways,
    '',
    '**Under each answer**',
    '• **More passages** — the next quotes for the same question',
    '• **Show context** — the sentences around the first quote',
    '• 👍 / 👎 — tell the maintainers whether the quotes answered you',
    '',
    '**Sources**',
    '• `/sources` — list the articles · `/source id:` — one article (start typing a title)',
  ].join('\n');
  return {
    embeds: [{ title: 'Verbatim — answers in the articles’ own words', description, color: COLOR.help }],
    components: [],
    allowedMentions: NO_MENTIONS(),
  };
}

/**
 * A plain text reply (notices, refusals, errors), escaped and trimmed to Discord's content limit.
 *
 * @example
 * await interaction.reply({ ...renderText('That answer has expired. Please ask again.'), flags: MessageFlags.Ephemeral });
 */
export function renderText(text: string, options: { escape?: boolean } = {}): ReplyPayload {
  const content = truncate(options.escape === false ? text : escapeText(text.slice(0, LIMITS.content)), LIMITS.content);
  return { content, embeds: [], components: [], allowedMentions: NO_MENTIONS() };
}
