import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText, IngestError, readArticle } from '../../src/ingest/index.js';

const BBC = path.resolve('../shared/datasets/bbc-news');

describe('decodeText', () => {
  it('reads UTF-8, strips the BOM and normalizes CRLF, CR and Unicode line separators', () => {
    const d = decodeText(Buffer.from('\uFEFFCafé line\r\nnext\rlast\u2028end', 'utf8'));
    expect(d).toEqual({ text: 'Café line\nnext\nlast\nend', encoding: 'utf8' });
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    // "£15.8m signing – café" in Windows-1252: £ = A3, – = 96, é = E9.
    const bytes = Buffer.from([0xa3, 0x31, 0x35, 0x2e, 0x38, 0x6d, 0x20, 0x96, 0x20, 0x63, 0x61, 0x66, 0xe9]);
    expect(decodeText(bytes)).toEqual({ text: '£15.8m – café', encoding: 'latin1' });
  });

  it('reads UTF-16 with a byte-order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Kerry in Brüssel', 'utf16le')]);
    expect(decodeText(le)).toEqual({ text: 'Kerry in Brüssel', encoding: 'utf16le' });
  });

  it('rejects binary content: NUL bytes, or many control characters', () => {
    expect(() => decodeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]))).toThrow(/binary.*NUL/);
    const controls = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(() => decodeText(controls)).toThrow(IngestError);
    expect(() => decodeText(controls)).toThrow(/control characters/);
  });

  it('rejects empty and whitespace-only content with distinct reasons', () => {
    expect(() => decodeText(new Uint8Array())).toThrow(/^empty file$/);
    expect(() => decodeText(Buffer.from(' \n\t\r\n \u00a0 '))).toThrow(/only white space/);
    expect(() => decodeText(Buffer.from('\uFEFF\n\n'))).toThrow(/only white space/);
  });
});

describe('the Latin-1 BBC file', () => {
  it('sport/199.txt is not UTF-8 and decodes its pound sign correctly', async () => {
    const raw = fs.readFileSync(path.join(BBC, 'sport/199.txt'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(raw)).toThrow();
    const { article, notes } = await readArticle(BBC, 'sport/199.txt');
    expect(notes).toContain('not valid UTF-8; decoded as Latin-1 (Windows-1252)');
    expect(article.title).toBe('Chelsea sack Mutu');
    expect(article.text).toContain('a £15.8m signing from Parma last season');
    expect(article.text).not.toContain('\uFFFD');
    expect(article.text.startsWith('Chelsea have sacked Adrian Mutu after he failed a drugs test.')).toBe(true);
  });
});
