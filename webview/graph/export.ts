// Export of the whole graph (not just the visible part) as a standalone SVG or a PNG.
// Theme colours are CSS variables that do not exist outside VS Code, so computed styles are inlined.
const STYLE_PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-family', 'font-size', 'font-weight', 'font-style', 'paint-order', 'stroke-linejoin', 'visibility', 'display',
];

export function svgMarkup(svg: SVGSVGElement, width: number, height: number): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const source = svg.querySelectorAll<SVGElement>('*');
  const target = clone.querySelectorAll<SVGElement>('*');
  for (let i = 0; i < source.length; i++) {
    const el = source[i];
    if (el.tagName === 'title' || el.closest('title')) continue;
    const cs = getComputedStyle(el);
    const out = target[i];
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) out.style.setProperty(p, v);
    }
    out.removeAttribute('class');
    out.removeAttribute('tabindex');
  }
  clone.querySelector('.viewport, g')?.removeAttribute('transform');
  clone.removeAttribute('class');
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  clone.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** Rasterizes the SVG text; large graphs are scaled down to stay within canvas limits. Returns base64 PNG. */
export async function pngBase64(svgText: string, width: number, height: number): Promise<string> {
  const scale = Math.min(2, 16000 / width, 16000 / height, Math.sqrt(100e6 / (width * height)));
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('Canvas 2D context unavailable');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL('image/png');
  return url.slice(url.indexOf(',') + 1);
}
