// One localisation system for the extension and all its webviews: vscode.l10n with l10n/bundle.l10n.<lang>.json.
// The host translates every string a webview shows and sends it in the webview's `init`. No `vscode` import here:
// the webview tests and the bench translate with bundleL10n (l10nBundle.ts), the extension with vscode.l10n.
import type { UiLanguage } from '../shared/protocol';

/** What vscode.l10n offers that the string tables use. */
export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** Maps VS Code's `env.language` ("zh-cn", "en-us", "de") onto a UI language; English when untranslated. */
export function uiLanguage(envLanguage: string): UiLanguage {
  const lang = envLanguage.toLowerCase();
  return lang === 'zh-cn' || lang === 'zh-hans' || lang.startsWith('zh-hans-') ? 'zh-cn' : 'en';
}

/** "{0} of {1}" with its arguments, as vscode.l10n.t fills them. */
export function formatString(template: string, ...args: Array<string | number | boolean>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
}
