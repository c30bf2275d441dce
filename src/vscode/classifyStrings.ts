// The classification webview's strings, translated in the host: the caller passes vscode.l10n (the webview tests
// pass an identity or a bundle lookup). Placeholders the webview fills are passed through as '{0}', '{1}'.
import type { ClassifyStrings } from '../shared/classifyProtocol';

export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

export function classifyStrings(l10n: L10n): ClassifyStrings {
  return {
    loading: l10n.t('Loading…'),
    preparingModel: l10n.t('Reading the weights and building the model…'),
    startingRuntime: l10n.t('Starting onnxruntime-web ({0})…', '{0}'),
    warmingUp: l10n.t('Warming up the model on {0}…', '{0}'),
    classifying: l10n.t('Classifying image {0} of {1}…', '{0}', '{1}'),
    cancel: l10n.t('Cancel'),
    cancelled: l10n.t('Cancelled'),
    weights: l10n.t('Weights'),
    labels: l10n.t('Labels'),
    model: l10n.t('Model'),
    preprocessing: l10n.t('Preprocessing'),
    changeWeights: l10n.t('Load Weights...'),
    defaultWeights: l10n.t('Use Default Weights'),
    backend: l10n.t('Backend'),
    backendWebgpu: l10n.t('WebGPU ({0})', '{0}'),
    backendWasm: l10n.t('WebAssembly (CPU, 1 thread)'),
    latency: l10n.t('Latency'),
    sessionReady: l10n.t('model ready in {0} ms', '{0}'),
    top: l10n.t('Top {0}', '{0}'),
    file: l10n.t('File'),
    prediction: l10n.t('Prediction'),
    probability: l10n.t('Probability'),
    image: l10n.t('Image'),
    inputSeen: l10n.t('Input as the network sees it ({0})', '{0}'),
    activations: l10n.t('Activation maps'),
    activationsHint: l10n.t('One tile per channel, each scaled to its own range (dark: low, yellow: high). Click a tile or press Enter to enlarge it.'),
    channel: l10n.t('channel {0} of {1}', '{0}', '{1}'),
    close: l10n.t('Close'),
    noLabels: l10n.t('none (class numbers shown)'),
    builtInImagenet: l10n.t('ImageNet classes (built in)'),
    results: l10n.t('{0} images', '{0}'),
    failed: l10n.t('Failed'),
    error: l10n.t('Error'),
    details: l10n.t('Details'),
    backToTable: l10n.t('Back to all images'),
    noImages: l10n.t('No image to classify.'),
    showAll: l10n.t('Show all {0} channels', '{0}'),
    defaultTag: l10n.t('(default)'),
    previous: l10n.t('Previous channel'),
    next: l10n.t('Next channel'),
    notes: l10n.t('Notes'),
    deviceLost: l10n.t('The WebGPU device was lost ({0}); running on WebAssembly now.', '{0}'),
    runtimeFailed: l10n.t('onnxruntime-web could not load the model made from {0}: {1}', '{0}', '{1}'),
    reasonSetting: l10n.t('WebAssembly because the setting alexnetExplorer.inference.backend is "wasm".'),
    reasonNoWebgpu: l10n.t('WebAssembly: this editor\'s webviews have no WebGPU (navigator.gpu is missing).'),
    reasonNoAdapter: l10n.t('WebAssembly: WebGPU found no GPU adapter.'),
    reasonFallbackAdapter: l10n.t('WebAssembly: the only WebGPU adapter is a software one ({0}), slower than WebAssembly. The setting alexnetExplorer.inference.allowFallbackAdapter accepts it.', '{0}'),
    reasonDevice: l10n.t('WebAssembly: the WebGPU device could not be created ({0}).', '{0}'),
    reasonSession: l10n.t('WebAssembly: the model could not run on WebGPU ({0}).', '{0}'),
    reasonTimeout: l10n.t('WebAssembly: WebGPU did not answer in time ({0}).', '{0}'),
  };
}
