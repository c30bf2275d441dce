export const SNIPPET_NAMES: string[];
export const SNIPPET_FILES: { en: string; 'zh-cn': string };
export function snippetFiles(): { en: string; 'zh-cn': string };
