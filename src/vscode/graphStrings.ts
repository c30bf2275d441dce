// The graph webview's strings, translated in the host like every webview's (vscode.l10n, l10n/bundle.l10n.*.json):
// the caller passes vscode.l10n (tests and the bench pass bundleL10n). Placeholders the webview fills stay '{0}'.
// No `vscode` import: the webview tests build the same `init` message from it.
import layerNotes from '../../media/layer-notes.json';
import type { InitMessage, LayerNote, UiStrings } from '../shared/protocol';
import { type L10n, uiLanguage } from './l10n';

export function graphStrings(l10n: L10n): UiStrings {
  return {
    loading: l10n.t('Loading the model graph…'),
    panelTitle: l10n.t('AlexNet: {0}', '{0}'),
    fit: l10n.t('Fit'),
    fitTitle: l10n.t('Fit the whole graph (F)'),
    zoomIn: l10n.t('Zoom in (+)'),
    zoomOut: l10n.t('Zoom out (-)'),
    collapseAll: l10n.t('Collapse all'),
    expandAll: l10n.t('Expand all'),
    searchPlaceholder: l10n.t('Search layers'),
    searchTitle: l10n.t('Search by module path or type; Enter jumps to the next match'),
    searchCount: l10n.t('{0} of {1}', '{0}', '{1}'),
    searchNone: l10n.t('No match'),
    exportFormat: l10n.t('Export format'),
    exportButton: l10n.t('Export'),
    exportTitle: l10n.t('Save the graph as an image'),
    exportSvg: l10n.t('SVG'),
    exportPng: l10n.t('PNG'),
    tableToggle: l10n.t('Table'),
    tableToggleTitle: l10n.t('Show or hide the layer table'),
    graphLabel: l10n.t('Layer graph of {0}. Arrow keys move between layers, Enter shows the code, / searches.', '{0}'),
    params: l10n.t('params'),
    macs: l10n.t('MACs'),
    tower: l10n.t('GPU {0}', '{0}'),
    groupLayers: l10n.t('{0} layers', '{0}'),
    groupJoin: l10n.t('{0} of {1} paths', '{0}', '{1}'),
    groupToggle: l10n.t('Click to collapse or expand {0}', '{0}'),
    input: l10n.t('input'),
    output: l10n.t('output'),
    colIndex: l10n.t('#'),
    colLayer: l10n.t('Layer'),
    colType: l10n.t('Type'),
    colShape: l10n.t('Output shape'),
    colParams: l10n.t('Params'),
    colMacs: l10n.t('MACs'),
    colMemory: l10n.t('Activations'),
    totals: l10n.t('Totals'),
    totalParams: l10n.t('Total params'),
    totalMacs: l10n.t('Total MACs'),
    weightsFp32: l10n.t('Weights (fp32)'),
    weightsFp16: l10n.t('Weights (fp16)'),
    activationMemory: l10n.t('Activation memory (batch 1, fp32)'),
    inputShape: l10n.t('Input'),
    inputFromComment: l10n.t('from the # input comment'),
    inputFromDefault: l10n.t('default'),
    inputFromOption: l10n.t('from the setting'),
    model: l10n.t('Model'),
    saved: l10n.t('Saved {0}', '{0}'),
    exportCancelled: l10n.t('Export cancelled'),
    exportFailed: l10n.t('Export failed: {0}', '{0}'),
    exporting: l10n.t('Exporting…'),
    noModel: l10n.t('No nn.Module or nn.Sequential model found in {0}.', '{0}'),
    analysisFailed: l10n.t('Could not analyse {0}: {1}', '{0}', '{1}'),
    renderFailed: l10n.t('The graph could not be drawn: {0}', '{0}'),
    errorAtLine: l10n.t('Line {0}: {1}', '{0}', '{1}'),
    noteSource: l10n.t('Source: {0}', '{0}'),
    close: l10n.t('Close'),
    webviewError: l10n.t('AlexNet graph: {0}', '{0}'),
    saveDialogTitle: l10n.t('Export the layer graph'),
    svgFilter: l10n.t('SVG image'),
    pngFilter: l10n.t('PNG image'),
    train: l10n.t('Train'),
    trainTitle: l10n.t('Open the Train panel for this model (AlexNet: Train...)'),
  };
}

export function allLayerNotes(): LayerNote[] {
  return layerNotes.notes as LayerNote[];
}

/** The answer to the graph webview's `ready`, in VS Code's language (`envLanguage`, translated by `l10n`). */
export function initMessage(l10n: L10n, envLanguage: string): InitMessage {
  return { type: 'init', language: uiLanguage(envLanguage), strings: graphStrings(l10n), notes: allLayerNotes() };
}
