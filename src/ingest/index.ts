/**
 * The ingest stage: corpus files (.txt, .md, .html) → cleaned, cited `Article`s.
 *
 * @example
 * import { readCorpus } from './ingest/index.js';
 * const { articles, skipped, notes } = await readCorpus('corpus');
 */
export { readCorpus, readArticle, listFiles, contentHash, ARTICLE_EXTENSIONS, MAX_FILE_BYTES } from './corpus.js';
export type { CorpusResult, ReadOptions, SkippedFile, FileNote } from './corpus.js';
export { CLEANER_VERSION, cleanText, classifyLines, isHeadlineLike } from './clean.js';
export type { Cleaned, ClassifiedLine, LineKind } from './clean.js';
export { decodeText, IngestError } from './decode.js';
export type { Decoded, Encoding } from './decode.js';
export { htmlToArticle } from './html.js';
export type { HtmlArticle } from './html.js';
export { markdownToArticle, markdownToText } from './markdown.js';
export type { MarkdownArticle } from './markdown.js';
export { inferMetadata, publisherFromUrl } from './metadata.js';
export type { Metadata, Inferred, InferOptions } from './metadata.js';
export { findDate, parseDate, isDateLine } from './dates.js';
export { loadSidecar, parseSidecar, sidecarFor, SIDECAR_FILE } from './sidecar.js';
export type { Sidecar, SidecarEntry } from './sidecar.js';
