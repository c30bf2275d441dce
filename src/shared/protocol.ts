// Messages between the extension host and the graph webview ("Visualize AlexNet").
// One interface per message, discriminated by `type`; the webview sends `ready` first and gets `init` + `analysis`.
// Requests carry `requestId`, their replies `inReplyTo`; handled by the message layer (messages.ts), whose handler
// tables are mapped types over the unions, so adding a message without handling it is a compile error.
import type { Analysis, SourceRange } from '../core/model/ir';
import type { ReadyMessage, WebviewError } from './messages';
import type layerNotes from '../../media/layer-notes.json';

/** UI languages the graph webview is translated into (VS Code's `env.language` is mapped onto one). */
export type UiLanguage = 'en' | 'zh-cn';

/** Every string the graph webview shows, translated by the host (vscode.l10n: src/vscode/graphStrings.ts). */
export interface UiStrings {
  loading: string;
  panelTitle: string;
  fit: string;
  fitTitle: string;
  zoomIn: string;
  zoomOut: string;
  collapseAll: string;
  expandAll: string;
  searchPlaceholder: string;
  searchTitle: string;
  searchCount: string;
  searchNone: string;
  exportFormat: string;
  exportButton: string;
  exportTitle: string;
  exportSvg: string;
  exportPng: string;
  tableToggle: string;
  tableToggleTitle: string;
  graphLabel: string;
  params: string;
  macs: string;
  tower: string;
  groupLayers: string;
  groupJoin: string;
  groupToggle: string;
  input: string;
  output: string;
  colIndex: string;
  colLayer: string;
  colType: string;
  colShape: string;
  colParams: string;
  colMacs: string;
  colMemory: string;
  totals: string;
  totalParams: string;
  totalMacs: string;
  weightsFp32: string;
  weightsFp16: string;
  activationMemory: string;
  inputShape: string;
  inputFromComment: string;
  inputFromDefault: string;
  inputFromOption: string;
  model: string;
  saved: string;
  exportCancelled: string;
  exportFailed: string;
  exporting: string;
  noModel: string;
  analysisFailed: string;
  renderFailed: string;
  errorAtLine: string;
  noteSource: string;
  close: string;
  webviewError: string;
  saveDialogTitle: string;
  svgFilter: string;
  pngFilter: string;
  train: string;
  trainTitle: string;
}
export type UiStringKey = keyof UiStrings;

/** A text in every UI language. */
export type Localized = Record<UiLanguage, string>;

/** When a note applies, beyond its op: an argument compared with a number or with another argument. */
export interface NoteCondition {
  arg: string;
  /** The argument (first element when a tuple) is greater than this number. */
  gt?: number;
  /** The argument equals this number. */
  eq?: number;
  /** The argument is greater than this other argument (e.g. kernel_size > stride: overlapping pooling). */
  gtArg?: string;
}

/** What a layer stands for (ReLU instead of tanh, LRN, overlapping pooling...), from `media/layer-notes.json`. */
export interface LayerNote {
  id: string;
  /** The op keys it applies to ("relu", "max_pool2d"), whatever the spelling: the IR nodes' `key`. */
  keys: string[];
  when?: NoteCondition;
  /** Short badge text shown on the node. */
  badge: Localized;
  title: Localized;
  text: Localized;
  /** Where it comes from, e.g. "Krizhevsky et al. 2012, §3.1". */
  source?: string;
}

/** The data file as a whole (checked by test/unit/layer-notes.test.ts). */
export type LayerNotesFile = typeof layerNotes;

/** What the webview keeps with `setState` so the panel survives a window reload. */
export interface GraphViewState {
  /** The model file shown (a URI string). */
  uri: string;
  selected: string | null;
  zoom: { k: number; x: number; y: number } | null;
  /** The folded groups (keys); absent in states saved before groups were kept. */
  collapsed?: string[];
}

export type ExportFormat = 'svg' | 'png';

// ---- host -> webview ----

/** Answer to `ready`: language, strings and notes; always sent before the first `analysis`. */
export interface InitMessage {
  type: 'init';
  language: UiLanguage;
  strings: UiStrings;
  notes: LayerNote[];
}

/** A (new) analysis of the model file; the webview re-renders, keeping zoom and pan when `uri` is unchanged. */
export interface AnalysisMessage {
  type: 'analysis';
  uri: string;
  fileName: string;
  /** Document version analysed: replies about stale versions can be ignored. */
  version: number;
  analysis: Analysis;
}

/** The analyzer threw (a bug, not a model error): shown in place of the graph. */
export interface AnalysisFailedMessage {
  type: 'analysisFailed';
  uri: string;
  fileName: string;
  message: string;
}

/** The editor's cursor moved in the model file: highlight the node(s) on that line. */
export interface CursorMessage {
  type: 'cursor';
  uri: string;
  /** 1-based, as in SourceRange. */
  line: number;
}

/** Reply to `saveExport`. */
export interface SaveResultMessage {
  type: 'saveResult';
  inReplyTo: number;
  outcome: 'saved' | 'cancelled' | 'failed';
  /** Where it was saved (for the status line). */
  path?: string;
  message?: string;
}

export type ToWebview = InitMessage | AnalysisMessage | AnalysisFailedMessage | CursorMessage | SaveResultMessage;

// ---- webview -> host ----

/** First message of the webview once its handlers are installed. */
export type { ReadyMessage };

/** A node (or the error banner) was activated: reveal and select that source range. */
export interface RevealMessage {
  type: 'reveal';
  /** The node, or null for the banner's diagnostic. */
  nodeId: string | null;
  range: SourceRange;
}

/** Save an exported image via the host's save dialog; answered by `saveResult`. */
export interface SaveExportRequest {
  type: 'saveExport';
  requestId: number;
  format: ExportFormat;
  /** SVG text (`utf8`) or PNG bytes (`base64`). */
  data: string;
  encoding: 'utf8' | 'base64';
  suggestedName: string;
}

/** Something failed in the webview (uncaught error, rejected promise, render error); the host shows it. */
export type WebviewErrorMessage = WebviewError<'error' | 'unhandledrejection' | 'render' | 'message'>;

/** The Train button: the host runs alexnetExplorer.train for the panel's model file. */
export interface TrainRequest {
  type: 'train';
}

export type FromWebview = ReadyMessage | RevealMessage | SaveExportRequest | TrainRequest | WebviewErrorMessage;
