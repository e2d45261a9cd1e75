/**
 * Bytes → text. Corpus files come from scrapers, datasets and editors, so the encoding is not
 * declared anywhere we can trust: we try strict UTF-8 first and fall back to Windows-1252 (the
 * superset of Latin-1 that real "Latin-1" files almost always are), and we refuse content that is
 * not text at all rather than indexing garbage.
 */

/** Why a file cannot become an article; the message is shown to whoever maintains the corpus. */
export class IngestError extends Error {
  override name = 'IngestError';
}

/** The encoding a file was read as. `latin1` means "not valid UTF-8, read as Windows-1252". */
export type Encoding = 'utf8' | 'latin1' | 'utf16le' | 'utf16be';

export interface Decoded {
  /** The text with line endings normalized to `\n` and any byte-order mark removed. */
  text: string;
  encoding: Encoding;
}

/** Share of control characters above which a decoded "text" is treated as binary. */
const MAX_CONTROL_SHARE = 0.01;

/**
 * Decodes a file's bytes into text with `\n` line endings.
 *
 * @throws {IngestError} when the content is empty, only white space, or binary.
 * @example
 * decodeText(Buffer.from('\uFEFFHello\r\nworld')); // { text: 'Hello\nworld', encoding: 'utf8' }
 * decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9])); // { text: 'café', encoding: 'latin1' }
 */
export function decodeText(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) throw new IngestError('empty file');

  let text: string;
  let encoding: Encoding;
  // A UTF-16 byte-order mark is the only reliable way to recognize UTF-16; without it the NUL bytes
  // would (correctly, for every other encoding) make the file look binary.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes);
    encoding = 'utf16le';
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes);
    encoding = 'utf16be';
  } else {
    // NUL never occurs in real text in any single-byte encoding or in UTF-8.
    if (bytes.includes(0)) throw new IngestError('binary content (contains NUL bytes), not a text file');
    try {
      // fatal: an invalid sequence throws instead of silently becoming U+FFFD; ignoreBOM: false strips it.
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      encoding = 'utf8';
    } catch {
      text = decodeWindows1252(bytes);
      encoding = 'latin1';
    }
  }
  text = text.replace(/^\uFEFF/, '');

  if (controlShare(text) > MAX_CONTROL_SHARE) {
    throw new IngestError('binary content (too many control characters), not a text file');
  }

  // CRLF (Windows), lone CR (old Mac) and the Unicode line/paragraph separators all become \n:
  // later stages split paragraphs and sentences on \n only.
  text = text.replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n');
  if (text.trim() === '') throw new IngestError('only white space, no text');
  return { text, encoding };
}

/** What Windows-1252 puts at 0x80–0x9F (curly quotes, dashes, €…); undefined bytes keep their C1 code point. */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Windows-1252 → string. Node 20's `TextDecoder('windows-1252')` decodes as ISO-8859-1 (0x93 becomes
 * the control U+0093 instead of “), so the 32 bytes where the two differ are mapped here.
 *
 * @example
 * decodeWindows1252(Uint8Array.from([0x93, 0x61, 0x94])); // '“a”'
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    out += String.fromCharCode(...Array.from(chunk, (b) => (b >= 0x80 && b < 0xa0 ? CP1252_HIGH.charCodeAt(b - 0x80) : b)));
  }
  return out;
}

/** Share of characters that are C0/C1 controls other than tab, newline, carriage return and form feed. */
function controlShare(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0x7f || (c >= 0x80 && c < 0xa0 && c !== 0x85)) {
      controls++;
    }
  }
  return controls / text.length;
}
