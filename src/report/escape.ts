/**
 * The one sanitizer for text that comes from kernel logs (function names,
 * module names, the kernel version, the command line, file names) before it
 * goes into any report format. A log is untrusted input: a serial console can
 * carry anything, including markup, terminal escapes, bidi overrides that
 * reorder what a reader sees, and names megabytes long.
 *
 * cleanText() is the base every format builds on: escapeXml() for SVG/HTML,
 * mdText() for Markdown prose, code() (format.ts) for Markdown code spans;
 * the text format uses cleanText() itself.
 */

/**
 * Code points no report should carry: C0 controls (a tab becomes a space:
 * it would break column alignment), DEL, C1 controls (U+009B is a one-byte CSI on many
 * terminals), bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069, the marks U+200E/U+200F/U+061C), line and paragraph
 * separators, U+FFFE/U+FFFF, and lone surrogates.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** What an unsafe code point becomes: visible, harmless, one column wide. */
export const REPLACEMENT = '\uFFFD';

/** Longest log-derived string any report shows, unless a format asks for less. */
export const TEXT_MAX = 1024;
/** Longest initcall, module or file name shown in a table row, a label or a hover title. */
export const NAME_MAX = 120;

/**
 * Shorten `s` to `max` code units by eliding the middle with `…` (never
 * splitting a surrogate pair).
 */
export function elide(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return '…'.slice(0, Math.max(0, max));
  const keep = max - 1;
  let head = Math.ceil(keep / 2);
  let tailStart = s.length - (keep - head);
  if (/[\uD800-\uDBFF]/.test(s[head - 1] ?? '')) head--;
  if (/[\uDC00-\uDFFF]/.test(s[tailStart] ?? '')) tailStart++;
  return s.slice(0, head) + '…' + s.slice(tailStart);
}

/**
 * Log text made safe to show: unsafe code points become U+FFFD and the
 * result is at most `max` code units (middle elided). Elides before it
 * scans, so a 6 MB name costs no more than a short one.
 */
export function cleanText(value: string | number, max = TEXT_MAX): string {
  // Replacement keeps lengths, so cutting first is exact.
  return elide(String(value), max).replace(/\t/g, ' ').replace(UNSAFE, REPLACEMENT);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escape for XML/HTML text and double- or single-quoted attribute values,
 * after cleanText(): the code points XML cannot carry (and terminal or bidi
 * controls) become U+FFFD, and the text is at most `max` long before escaping.
 */
export function escapeXml(value: string | number, max = TEXT_MAX): string {
  return cleanText(value, max).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** HTML uses the same rules (the report's inline SVG must stay valid XML too). */
export const escapeHtml = escapeXml;

/**
 * Markdown prose (outside code spans), after cleanText(): every ASCII
 * punctuation character that Markdown or inline HTML gives a meaning to is
 * backslash-escaped, so `<script>`, `<img onerror=…>`, links, emphasis and
 * entities in a log show as the characters they are.
 */
export function mdText(value: string | number, max = TEXT_MAX): string {
  return (
    cleanText(value, max)
      .replace(/[\\`*_[\]<>#+!|~&]/g, (c) => `\\${c}`)
      // A word that wrap() may put at the start of a line must not open a
      // list, a setext heading or an ordered list there.
      .replace(/(^|\s)([-=])(?=[-=]*(\s|$))/g, '$1\\$2')
      .replace(/(^|\s)(\d{1,9})([.)])(?=\s|$)/g, '$1$2\\$3')
  );
}

/** Code points JSON.stringify leaves raw that a terminal or a viewer would act on. */
const JSON_UNSAFE = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * JSON.stringify, with DEL, C1 controls, bidi controls and the line
 * separators written as \u escapes: the data stay exact, the document stays
 * inert when printed to a terminal. (They can only occur inside strings, so
 * escaping them keeps the JSON valid.)
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON for an inline <script> block: safeJson(), and `<`, `>`, `&` written
 * as \u escapes so no log text can close the script element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return safeJson(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
