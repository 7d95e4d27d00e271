/**
 * Colour contrast as WCAG 2.x defines it (relative luminance of sRGB, ratio (L1 + 0.05) / (L2 + 0.05)),
 * for the org's brand colour (docs/rules.md R71) and the emails' own colours. Colours are `#rrggbb`.
 */

/** The least contrast text must have against its background (WCAG 2.x AA, normal text). */
export const MIN_TEXT_CONTRAST = 4.5;

export const HEX_COLOR_PATTERN = '^#[0-9a-fA-F]{6}$';

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [match[1], match[2], match[3]].map((part) => channel(Number.parseInt(part ?? '0', 16)));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/**
 * The text colour to put on a background: white or black, whichever contrasts more. One of the
 * two always reaches 4.5:1 (the worst background still gives about 4.58:1), so any brand colour
 * can carry readable text.
 */
export function readableTextOn(background: string): '#ffffff' | '#000000' {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#000000') ? '#ffffff' : '#000000';
}
