/**
 * Inline Markdown for one-line texts an author writes in YAML (step outcomes, hints, field
 * descriptions): `code`, **strong**, *emphasis* / _emphasis_ and [links](https://…). Everything else
 * is escaped, so the result is safe to insert as HTML whatever the text holds: a `<script>` in a
 * hint is shown, never run. Links keep only http(s), site-relative (/…) and #anchor targets.
 * Dependency-free so the browser can use it too.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function safeHref(url: string): string | null {
  return /^(https?:\/\/|\/(?!\/)|#)/i.test(url) ? url : null;
}

/** Emphasis and links on text that is already escaped (no code inside). */
function decorate(escaped: string): string {
  return escaped
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label: string, href: string) => {
      // The href was escaped with the rest; quotes are entities, so it cannot leave the attribute.
      const target = safeHref(href.replace(/&amp;/g, '&'));
      return target ? `<a href="${escapeHtml(target)}">${label}</a>` : whole;
    })
    .replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?!\s)([^_\n]+?)_(?!\w)/g, '$1<em>$2</em>');
}

/** HTML for one line of inline Markdown; safe to use with set:html / innerHTML. */
export function inlineMarkdown(text: string): string {
  const parts = text.split(/(`[^`\n]+`)/g);
  return parts
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : decorate(escapeHtml(part))))
    .join('');
}
