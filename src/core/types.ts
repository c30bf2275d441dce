// Types every layer of src/core shares (python/, ops/, model/, onnx/): they live at the bottom, so imports only point down.

/** A tensor shape, batch first, e.g. [1, 48, 55, 55]. */
export type Shape = number[];

/** 1-based lines, 0-based columns (as in the Python source), end exclusive. */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Set where the range is in another file than the one analysed (an imported module of the model's package). */
  file?: string;
}

/** A constant argument value as the evaluator produced it. */
export type ArgValue = number | string | boolean | null | ArgValue[];

/**
 * What an op is, for the views downstream (graph towers, activation maps, the classifier's head), so that nothing
 * there matches op names.
 */
export interface OpTraits {
  /** Works channel by channel: a tower of a grouped convolution stays a tower through it. */
  perChannel?: boolean;
  /** An elementwise nonlinearity (what follows a convolution in an activation map). */
  activation?: boolean;
  /** Between the classifier's last Linear and the output without changing which class wins (softmax, dropout, identity). */
  keepsScores?: boolean;
}

/** A parameter or buffer a module owns, as in its state_dict ("weight" [48, 3, 11, 11]). */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** A buffer (running_mean, num_batches_tracked): in the state_dict, not trained by the optimizer. */
  buffer?: boolean;
}
