/**
 * Building HTML and SVG as strings, with every piece of text escaped once, here. Run records carry
 * user-chosen text (configuration ids from grid files, dataset paths, error messages), and the
 * report is opened in a browser, so nothing reaches the page unescaped.
 */

/** Escapes text for an HTML/SVG text node or a double-quoted attribute value. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** Coordinates with two decimals: sub-pixel enough, and a third the size of full precision. */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function attributeText(attrs: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (value === true) out += ` ${name}`;
    else out += ` ${name}="${escapeText(typeof value === 'number' ? px(value) : value)}"`;
  }
  return out;
}

/**
 * An element. `children` is markup already built by this module (or `text()`); a string child is
 * NOT escaped, so plain text must go through text().
 */
export function el(tag: string, attrs: Attributes = {}, ...children: Array<string | null | undefined | false>): string {
  const inner = children.filter((c): c is string => typeof c === 'string').join('');
  return `<${tag}${attributeText(attrs)}>${inner}</${tag}>`;
}

/** An element without children, written self-closed (SVG) or as a void element (HTML). */
export function leaf(tag: string, attrs: Attributes = {}): string {
  return `<${tag}${attributeText(attrs)}/>`;
}

/** Escaped text content. */
export function text(value: string | number): string {
  return escapeText(String(value));
}

/** An SVG <title> child: the exact values a browser shows on hover. */
export function tooltip(lines: string | string[]): string {
  return el('title', {}, text(Array.isArray(lines) ? lines.join('\n') : lines));
}
