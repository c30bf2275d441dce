/** Text that came from a file (key names, labels, layer names), made safe to print in a terminal. */

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 10) return '\\n';
  if (code === 13) return '\\r';
  if (code === 9) return '\\t';
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/** Control characters (C0, DEL, C1, line/paragraph separators) as escapes, so data cannot forge output lines. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escapeOne);
}

/** escapeControls for text of several lines: its own line breaks and tabs stay. */
export function escapeControlsKeepingLines(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, escapeOne);
}

/**
 * Text for a Markdown hover: Markdown's punctuation (links, images, emphasis, HTML) and VS Code's `$(icon)` syntax
 * escaped, control characters too, so a layer name from a file shows as the characters it holds.
 */
export function escapeMarkdown(text: string): string {
  return escapeControls(text).replace(/[\\`*_{}[\]()<>#+\-.!|~$&]/g, '\\$&');
}

/** Text for an inline Markdown code span: no backtick can end it, no `$(icon)` is rendered inside it. */
export function markdownCode(text: string): string {
  return '`' + escapeControls(text).replace(/`/g, "'").replace(/\$\(/g, '$\u200b(') + '`';
}

/** A JSON value shown in an error message: cut short, and at most 8 levels deep (a file may nest 100,000). */
export function briefJson(value: unknown, budget = 80): string {
  let out = '';
  const visit = (v: unknown, depth: number): void => {
    if (out.length > budget) return;
    if (depth > 8) {
      out += '...';
    } else if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && out.length <= budget; i++) {
        if (i > 0) out += ', ';
        visit(v[i], depth + 1);
      }
      out += ']';
    } else if (v !== null && typeof v === 'object') {
      out += '{';
      let first = true;
      for (const [key, item] of Object.entries(v)) {
        if (out.length > budget) break;
        if (!first) out += ', ';
        first = false;
        out += `${JSON.stringify(key.slice(0, budget))}: `;
        visit(item, depth + 1);
      }
      out += '}';
    } else {
      out += typeof v === 'string' ? JSON.stringify(v.slice(0, budget)) : String(JSON.stringify(v));
    }
  };
  visit(value, 0);
  return escapeControls(out.length > budget ? `${out.slice(0, budget)}...` : out);
}
