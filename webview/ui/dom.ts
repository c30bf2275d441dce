// DOM helpers shared by every webview.

export interface ElementProps {
  class?: string;
  text?: string;
  attrs?: Record<string, string>;
}

/** An element with its class (a string is the class alone), text, attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps | string = {}, ...children: Array<Node | null | undefined>): HTMLElementTagNameMap[K] {
  const p = typeof props === 'string' ? { class: props } : props;
  const e = document.createElement(tag);
  if (p.class) e.className = p.class;
  if (p.text !== undefined) e.textContent = p.text;
  for (const [k, v] of Object.entries(p.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}
