// Scripts a webview loads after its first paint (dist/webview/<name>.js, beside the page's own script): classic
// scripts with the page's CSP nonce, so they need neither CORS (module scripts would) nor a looser CSP.

// Captured while the page's bundle runs: document.currentScript is null later.
const current = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
const loading = new Map<string, Promise<void>>();

export function loadScript(name: string): Promise<void> {
  let p = loading.get(name);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      if (!current?.src) return reject(new Error(`cannot load ${name}.js: the page's script is unknown`));
      const s = document.createElement('script');
      s.src = new URL(`${name}.js`, current.src).toString();
      s.nonce = current.nonce;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(`${s.src} could not be loaded`));
      document.head.appendChild(s);
    });
    loading.set(name, p);
  }
  return p;
}
