// vscode.l10n's lookup outside VS Code (webview tests, bench): the message itself in English, the zh-cn bundle's
// translation in Chinese, arguments filled the same way.
import zhCn from '../../l10n/bundle.l10n.zh-cn.json';
import type { InitMessage, UiLanguage } from '../shared/protocol';
import { initMessage } from './graphStrings';
import { type L10n, formatString, uiLanguage } from './l10n';

export function bundleL10n(language: UiLanguage): L10n {
  const bundle: Record<string, string> = language === 'zh-cn' ? zhCn : {};
  return { t: (message, ...args) => formatString(bundle[message] ?? message, ...args) };
}

/** The graph webview's `init` as the extension sends it in VS Code's `envLanguage`, outside VS Code. */
export function graphInitMessage(envLanguage: string): InitMessage {
  return initMessage(bundleL10n(uiLanguage(envLanguage)), envLanguage);
}
