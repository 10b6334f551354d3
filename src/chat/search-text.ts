/**
 * How text is compared when people search: the one normalization that search queries, the room
 * directory and every engine's index agree on. Case and accents do not matter ("Café" finds
 * "cafe"), and words are runs of letters and digits, as SQLite FTS5's unicode61 tokenizer
 * (with remove_diacritics 2) sees them.
 */

const WORD = /[\p{L}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}/gu;

/** Lower case, accents removed: the form in which text is compared. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** The words of a text, folded, in order. */
export function searchWords(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}

/**
 * A search query as phrases that must all occur: each `"quoted part"` is one phrase, every
 * other word a phrase of its own. Anything but letters and digits only separates words, so no
 * query syntax (quotes left open, OR, NEAR, `*`, column filters) ever reaches an engine.
 */
export function searchPhrases(query: string): string[][] {
  const phrases: string[][] = [];
  // An odd number of quotes: the last one opens nothing.
  const parts = query.split('"');
  parts.forEach((part, index) => {
    const words = searchWords(part);
    if (words.length === 0) return;
    const quoted = index % 2 === 1 && index < parts.length - 1;
    if (quoted) phrases.push(words);
    else for (const word of words) phrases.push([word]);
  });
  return phrases;
}
