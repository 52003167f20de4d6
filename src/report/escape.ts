/**
 * Escaping for text that comes from kernel logs (function names, module
 * names, the kernel version, the command line) before it goes into SVG, HTML
 * or an inline <script>. A log is untrusted input: a serial console can carry
 * anything, including markup and control bytes.
 */

// XML 1.0 forbids these code points even as character references; a log with
// line noise would otherwise make the SVG unparsable.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escape for XML/HTML text and double- or single-quoted attribute values.
 * Characters XML cannot carry become U+FFFD.
 */
export function escapeXml(value: string | number): string {
  return String(value)
    .replace(XML_INVALID, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** HTML uses the same rules (the report's inline SVG must stay valid XML too). */
export const escapeHtml = escapeXml;

/**
 * JSON for an inline <script> block: `<`, `>`, `&` and the JavaScript line
 * separators are written as \u escapes so no log text can close the script
 * element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
