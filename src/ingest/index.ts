// TEMPORARY STUB written by the lead so the build can be tried before the ingest stage lands. Overwrite freely.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Article } from '../types.js';
export const CLEANER_VERSION = 'stub';
export async function readCorpus(dir: string): Promise<{ articles: Article[]; skipped: { file: string; reason: string }[]; notes: { file: string; note: string }[] }> {
  const files: string[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\.txt$/.test(e.name) && !/^README/i.test(e.name)) files.push(p); } };
  walk(dir);
  const articles = files.map((f) => {
    const raw = fs.readFileSync(f);
    let text: string; try { text = new TextDecoder('utf-8', { fatal: true }).decode(raw); } catch { text = new TextDecoder('windows-1252').decode(raw); }
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    const title = lines[0].trim();
    const body = lines.slice(1).join('\n').replace(/\n{3,}/g, '\n\n').trim();
    const rel = path.relative(dir, f).split(path.sep).join('/');
    return { id: rel.replace(/\.[^.]+$/, ''), file: rel, title, publisher: null, date: null, url: null, text: body, hash: crypto.createHash('sha256').update(raw).digest('hex') };
  });
  return { articles, skipped: [], notes: [] };
}
