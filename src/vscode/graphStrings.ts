// Language, strings and layer notes for the graph webview, from the data files under media/.
// No `vscode` import: the webview tests build the same `init` message from it.
import graphStrings from '../../media/graph-strings.json';
import layerNotes from '../../media/layer-notes.json';
import type { InitMessage, LayerNote, UiLanguage, UiStrings } from '../shared/protocol';

/** Maps VS Code's `env.language` ("zh-cn", "en-us", "de") onto a UI language; English when untranslated. */
export function uiLanguage(envLanguage: string): UiLanguage {
  const lang = envLanguage.toLowerCase();
  return lang === 'zh-cn' || lang === 'zh-hans' || lang.startsWith('zh-hans-') ? 'zh-cn' : 'en';
}

export function uiStrings(language: UiLanguage): UiStrings {
  // Missing translations fall back to English key by key.
  return { ...graphStrings.en, ...(graphStrings as Record<UiLanguage, Partial<UiStrings>>)[language] };
}

export function allLayerNotes(): LayerNote[] {
  return layerNotes.notes as LayerNote[];
}

/** "{0} of {1}" with its arguments. */
export function formatString(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
}

export function initMessage(envLanguage: string): InitMessage {
  const language = uiLanguage(envLanguage);
  return { type: 'init', language, strings: uiStrings(language), notes: allLayerNotes() };
}
