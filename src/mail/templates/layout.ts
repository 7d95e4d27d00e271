/**
 * Shared pieces of every email: escaping, a header-safe subject, and one HTML layout built
 * from tables and inline styles (what Outlook, Gmail and Apple Mail all render the same way).
 *
 * Contract for template authors: every value that did not come from this file goes through
 * `escapeHtml` before it reaches the HTML part, and through `subjectLine` before it reaches the
 * subject. Links come only from the email's data, which callers build from PUBLIC_URL.
 */

import { readableTextOn } from '../../common/color.js';

/**
 * Every colour the emails use, and what it sits on: text on its background stays at 4.5:1 or
 * more (templates.test.ts computes each pair).
 */
export const EMAIL_PALETTE = {
  pageBackground: '#f6f8fa',
  cardBackground: '#ffffff',
  border: '#d0d7de',
  text: '#1f2328',
  muted: '#59636e',
  quote: '#444444',
  link: '#0969da',
  /** The button when the org has no brand colour. */
  accent: '#0969da',
} as const;

/** The text colour / background pairs the layout puts together. */
export const EMAIL_TEXT_PAIRS: readonly (readonly [string, string])[] = [
  [EMAIL_PALETTE.text, EMAIL_PALETTE.cardBackground],
  [EMAIL_PALETTE.muted, EMAIL_PALETTE.cardBackground],
  [EMAIL_PALETTE.quote, EMAIL_PALETTE.cardBackground],
  [EMAIL_PALETTE.link, EMAIL_PALETTE.cardBackground],
  [EMAIL_PALETTE.muted, EMAIL_PALETTE.pageBackground],
  [readableTextOn(EMAIL_PALETTE.accent), EMAIL_PALETTE.accent],
];

/** An org's look in its emails (docs/rules.md R70, R71): a logo above the text, its colour on the button. */
export interface EmailBrand {
  logoUrl: string | null;
  /** `#rrggbb`; the button's text colour is chosen to stay readable on it. */
  color: string | null;
  /** The logo's alternative text: the org's name. */
  name: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * A subject line can carry no line breaks or other control characters (header injection),
 * and is kept short; the caller never puts inviter-written text in it.
 */
export function subjectLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** Plain text of a value that was a single line (org names and the like). */
export function oneLine(value: string): string {
  return subjectLine(value);
}

/** The inviter's own words, quoted: in text as `> ` lines, in HTML escaped with line breaks. */
export function quoteText(message: string): string {
  return message
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function quoteHtml(message: string): string {
  const body = escapeHtml(message.replace(/\r\n?/g, '\n')).replaceAll('\n', '<br>');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0;">
<tr><td style="border-left:4px solid ${EMAIL_PALETTE.border};padding:8px 16px;color:${EMAIL_PALETTE.quote};font-size:15px;line-height:22px;font-style:italic;">${body}</td></tr>
</table>`;
}

export function paragraph(html: string): string {
  return `<p style="margin:0 0 16px 0;font-size:16px;line-height:24px;color:${EMAIL_PALETTE.text};">${html}</p>`;
}

export function small(html: string): string {
  return `<p style="margin:16px 0 0 0;font-size:13px;line-height:20px;color:${EMAIL_PALETTE.muted};">${html}</p>`;
}

/**
 * A button that is a real link (bulletproof: a table cell with a background, no images), in the
 * org's colour when it has one, with white or black text, whichever reads better on it.
 */
export function button(href: string, label: string, color: string | null = null): string {
  const url = escapeHtml(href);
  const background = color ?? EMAIL_PALETTE.accent;
  const text = readableTextOn(background);
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;">
<tr><td align="center" bgcolor="${background}" style="border-radius:6px;background-color:${background};">
<a href="${url}" target="_blank" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:bold;color:${text};background-color:${background};text-decoration:none;border-radius:6px;">${escapeHtml(label)}</a>
</td></tr>
</table>
${small(`Or paste this link into your browser:<br><a href="${url}" style="color:${EMAIL_PALETTE.link};word-break:break-all;">${url}</a>`)}`;
}

/** The org's logo above the text (escaped URL, the org's name as its alternative text), or nothing. */
function brandHeader(brand: EmailBrand | null | undefined): string {
  if (brand?.logoUrl === null || brand?.logoUrl === undefined) return '';
  return `<tr><td style="padding:24px 32px 0 32px;"><img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(oneLine(brand.name))}" height="48" style="display:block;height:48px;width:auto;max-width:240px;border:0;"></td></tr>
`;
}

export interface LayoutOptions {
  /** The document's title (the subject); escaped here. */
  title: string;
  /** The org's logo and colour, when the email is the org's. */
  brand?: EmailBrand | null;
  /** Shown in the inbox preview; escaped here. */
  preheader: string;
  /** HTML built from the helpers above (already escaped). */
  body: string;
  /** An open-tracking pixel URL, or null for none. */
  trackingPixelUrl?: string | null;
}

export function layout(options: LayoutOptions): string {
  const P = EMAIL_PALETTE;
  const brandColor = options.brand?.color ?? null;
  const topBorder = brandColor === null ? `1px solid ${P.border}` : `6px solid ${brandColor}`;
  const pixel =
    options.trackingPixelUrl === null || options.trackingPixelUrl === undefined
      ? ''
      : `<img src="${escapeHtml(options.trackingPixelUrl)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(options.title)}</title>
</head>
<body style="margin:0;padding:0;background-color:${P.pageBackground};">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(options.preheader)}</div>
<div role="main">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${P.pageBackground};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:${P.cardBackground};border:1px solid ${P.border};border-top:${topBorder};border-radius:8px;">
${brandHeader(options.brand)}<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;">
<h1 style="margin:0 0 16px 0;font-size:20px;line-height:28px;font-weight:bold;color:${P.text};">${escapeHtml(options.title)}</h1>
${options.body}
</td></tr>
</table>
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;">
<tr><td style="padding:16px 32px;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:${P.muted};text-align:center;">Sent by Gatehouse</td></tr>
</table>
${pixel}
</td></tr>
</table>
</div>
</body>
</html>
`;
}

/** Formats an ISO timestamp as a date people read (UTC, so every reader sees the same day). */
export function readableDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
