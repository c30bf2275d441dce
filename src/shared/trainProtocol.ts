// The Train panel's contract: the settings a run is started with (from the palette, the graph view's Train
// button, the explorer's "Train on this folder", or the "Run on WebGPU" CodeLens over a training loop), and the
// messages between the extension host (data preparation, runs folder) and the webview (the training step on
// onnxruntime-web). Pure types and small pure helpers: nothing here imports vscode or a runtime.

/** Where the training images come from. */
export type TrainDataset =
  | { kind: 'fashion-mnist-subset' }
  | { kind: 'imagefolder'; folder: string }
  | { kind: 'idx'; folder: string };

export type TrainOptimizer =
  | { kind: 'sgd'; lr: number; momentum: number; weightDecay: number }
  | { kind: 'adam'; lr: number; betas: [number, number]; weightDecay: number };

export type SnippetId = 'finetune' | 'relu-tanh' | 'dropout' | 'lrn' | 'pooling' | 'gpu-cpu';

export const SNIPPET_IDS: readonly SnippetId[] = ['finetune', 'relu-tanh', 'dropout', 'lrn', 'pooling', 'gpu-cpu'];

/**
 * What one run is made of. `alexnetExplorer.train` takes (uri, settings?): the uri is the model file (or, from the
 * explorer, an ImageFolder); every field left out takes the snippet's default (sized for the backend found).
 */
export interface TrainSettings {
  /** The model file (a URI string); defaults to the command's uri. */
  model?: string;
  /** The model to build: a class, factory or call ("AlexNet(num_classes=10)"); default: the file's chosen entry. */
  entry?: string;
  dataset?: TrainDataset;
  /** [C, H, W] the images are fed at; default: the snippet's size for the backend (smaller on wasm). */
  inputSize?: [number, number, number];
  batch?: number;
  /** Whole passes over the data; `steps` wins when both are given. */
  epochs?: number;
  steps?: number;
  optimizer?: TrainOptimizer;
  seed?: number;
  shuffle?: boolean;
  /** RandomResizedCrop + RandomHorizontalFlip instead of the plain resize. */
  augment?: boolean;
  /** Training images used (the first N of a seeded permutation); default: the snippet's subset for the backend. */
  subset?: number;
  /** Where the final weights go besides the run folder (a folder URI string; the CodeLens passes the script's save path's folder). */
  saveFolder?: string;
  /** Start from these weights (.pth) instead of the model's initialisation. */
  weights?: string;
  /** The snippet to select (and, with `run: true`, to start at once). */
  snippet?: SnippetId;
  run?: boolean;
}
