// Verbatim's page: asks the service's /v1 API and shows what it quotes. No framework; every text from
// the corpus is put in with textContent (never as HTML). The API key, when the server needs one, is
// kept in sessionStorage (this tab only) and sent in the Authorization header, never in the URL.

const K = 3; // quotes per page, as the bot shows them
const KEY_STORE = 'verbatim-api-key';
const $ = (id) => document.getElementById(id);

const state = { question: '', offset: 0, build: null, shown: 0, retry: null, sourcesQuery: '', sourcesOffset: 0 };

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

class ApiError extends Error {
  constructor(status, detail, retryAfter) {
    super(detail);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Calls the API; a 401 opens the key form and retries `again` once a key is given. */
async function api(path, init = {}, again) {
  const key = sessionStorage.getItem(KEY_STORE);
  const headers = { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) };
  let res;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    askForKey(key ? 'That key was not accepted. Try another.' : '', again);
    throw new ApiError(401, 'An API key is needed.');
  }
  if (!res.ok) throw new ApiError(res.status, body.detail || body.title || `The server answered ${res.status}.`, res.headers.get('retry-after'));
  return { body, build: res.headers.get('x-verbatim-build') };
}

function askForKey(message, again) {
  state.retry = again ?? null;
  $('key-panel').hidden = false;
  $('key-error').textContent = message;
  $('api-key').value = '';
  $('api-key').focus();
}

function explain(error) {
  if (error.status === 429) return `Too many questions at once. Try again in ${error.retryAfter || 'a few'} seconds.`;
  if (error.status === 503) return 'Answers are unavailable right now, try again shortly.';
  return error.message;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function formatDate(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date || '');
  return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : date || null;
}
function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** "— Title · Publisher · 3 Dec 2014 · link": the title links to the article when its URL is known. */
function citation(source) {
  const url = safeUrl(source.url);
  const title = url
    ? el('a', { class: 'title', href: url, rel: 'noopener noreferrer', target: '_blank' }, source.title || source.file)
    : el('span', { class: 'title' }, source.title || source.file);
  const parts = [source.publisher, formatDate(source.date), url ? null : source.file].filter(Boolean);
  return el('p', { class: 'citation' }, '— ', title, parts.length ? ` · ${parts.join(' · ')}` : '');
}

function quoteCard(quote, n) {
  const ctxId = `context-${n}`;
  const toggle = el('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': ctxId }, 'Show context');
  const region = el('div', { id: ctxId, class: 'context', role: 'region', 'aria-label': `Context of quote ${n}`, hidden: true });
  toggle.addEventListener('click', () => showContext(quote, toggle, region));
  const also = quote.alsoIn.length
    ? el('div', { class: 'also' },
        el('h3', {}, 'Also reported by'),
        el('ul', {}, quote.alsoIn.map((source, i) => {
          const said = quote.alsoQuotes[i];
          return el('li', {}, said ? el('blockquote', {}, el('p', {}, said.text)) : null, citation(source));
        })))
    : null;
  return el('li', { class: 'card', tabindex: '-1', 'data-sentence': quote.sentenceId },
    el('blockquote', { cite: safeUrl(quote.source.url) }, el('p', {}, quote.text)),
    citation(quote.source),
    also,
    el('div', { class: 'actions' }, toggle),
    region);
}

async function showContext(quote, toggle, region) {
  if (toggle.getAttribute('aria-expanded') === 'true') {
    toggle.setAttribute('aria-expanded', 'false');
    toggle.textContent = 'Show context';
    region.hidden = true;
    return;
  }
  toggle.disabled = true;
  try {
    const build = state.build ? `&build=${encodeURIComponent(state.build)}` : '';
    const { body } = await api(`/v1/context/${quote.sentenceId}?radius=2${build}`, {}, () => showContext(quote, toggle, region));
    const { start, end } = body.sentence;
    region.replaceChildren(body.text.slice(0, start), el('mark', {}, body.text.slice(start, end)), body.text.slice(end));
  } catch (e) {
    if (e.status === 401) return;
    region.replaceChildren(el('span', { class: 'error' }, e.status === 409 ? 'The articles were updated since this answer: ask again to see its context.' : explain(e)));
  } finally {
    toggle.disabled = false;
  }
  region.hidden = false;
  toggle.setAttribute('aria-expanded', 'true');
  toggle.textContent = 'Hide context';
}

async function ask(question, offset) {
  const more = offset > 0;
  $('ask-button').disabled = true;
  $('more').disabled = true;
  $('status').textContent = more ? 'Looking for more passages…' : 'Looking through the articles…';
  if (!more) {
    $('quotes').replaceChildren();
    $('abstain').hidden = true;
    $('more').hidden = true;
  }
  try {
    const { body, build } = await api('/v1/answers', { method: 'POST', body: JSON.stringify({ question, k: K, offset }) }, () => ask(question, offset));
    state.question = question;
    state.offset = offset;
    if (!more) state.build = build;
    if (body.abstained) {
      $('abstain-text').textContent = body.notice || "The articles don't answer that.";
      $('abstain').hidden = false;
      $('status').textContent = 'No answer: the articles do not say.';
      $('more').hidden = true;
      return;
    }
    const first = state.shown;
    const cards = body.quotes.map((q, i) => quoteCard(q, (more ? first : 0) + i + 1));
    if (!more) state.shown = 0;
    state.shown += cards.length;
    $('quotes').append(...cards);
    $('more').hidden = body.quotes.length < K;
    if (!body.quotes.length) $('status').textContent = body.notice || 'No more passages answer this question.';
    else if (more) $('status').textContent = `${cards.length} more ${cards.length === 1 ? 'quote' : 'quotes'}.`;
    // A tentative answer: the notice says no quote clearly answers, so the status must not say they do.
    else if (body.tentative) $('status').textContent = body.notice;
    else $('status').textContent = `${cards.length} ${cards.length === 1 ? 'quote answers' : 'quotes answer'} this, word for word.${body.notice ? ' ' + body.notice : ''}`;
    if (more && cards[0]) cards[0].focus();
  } catch (e) {
    $('status').textContent = e.status === 401 ? 'An API key is needed: enter it above.' : explain(e);
  } finally {
    $('ask-button').disabled = false;
    $('more').disabled = false;
  }
}

/** One article of the sources list: its title (linked when its URL is known), where it is from, its opening. */
function sourceItem(s) {
  const url = safeUrl(s.url);
  const title = url ? el('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, s.title || s.file) : s.title || s.file;
  const from = [s.publisher, formatDate(s.date)].filter(Boolean).join(' · ');
  return el('li', {},
    el('h3', {}, title),
    el('p', { class: 'meta' }, from || 'Publisher unknown'),
    el('p', { class: 'first' }, s.firstParagraph),
    el('p', { class: 'meta' }, `${s.sentences} sentences · ${s.passages} passages · ${s.file}`));
}

async function loadSources(query, offset) {
  $('sources-status').textContent = 'Loading sources…';
  try {
    const q = encodeURIComponent(query);
    const { body } = await api(`/v1/sources?q=${q}&offset=${offset}&limit=10`, {}, () => loadSources(query, offset));
    if (query !== state.sourcesQuery) return; // a newer search replaced this one
    const items = body.sources.map(sourceItem);
    if (offset === 0) $('sources-list').replaceChildren(...items);
    else $('sources-list').append(...items);
    state.sourcesOffset = offset + body.sources.length;
    $('sources-more').hidden = state.sourcesOffset >= body.total;
    $('sources-status').textContent = body.total === 0 ? 'No source matches that.' : `${body.total} ${body.total === 1 ? 'article' : 'articles'}${query ? ' match' : ''}; showing ${state.sourcesOffset}.`;
  } catch (e) {
    $('sources-status').textContent = e.status === 401 ? 'An API key is needed to list the sources.' : explain(e);
  }
}

function init() {
  $('ask-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const question = $('question').value.trim();
    if (question) void ask(question, 0);
  });
  $('more').addEventListener('click', () => void ask(state.question, state.offset + K));
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    $('key-panel').hidden = true;
    const retry = state.retry;
    state.retry = null;
    $('question').focus();
    if (retry) void retry();
    void loadSources(state.sourcesQuery, 0);
  });
  let timer;
  $('sources-filter').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.sourcesQuery = $('sources-filter').value.trim();
      void loadSources(state.sourcesQuery, 0);
    }, 200);
  });
  $('sources-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.sourcesQuery = $('sources-filter').value.trim();
    void loadSources(state.sourcesQuery, 0);
  });
  $('sources-more').addEventListener('click', () => void loadSources(state.sourcesQuery, state.sourcesOffset));
  void loadSources('', 0);
}

init();
