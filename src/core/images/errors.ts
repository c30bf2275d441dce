/** Why an image could not be used; every failure of src/core/images is one of these. */
import { escapeControls } from '../text';
export type ImageErrorCode =
  | 'not-an-image'
  | 'truncated'
  | 'corrupt'
  | 'too-large'
  | 'empty'
  | 'unsupported'
  | 'webp-needs-webview';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    /** The file the error is about, as the caller named it. */
    readonly file: string,
    /** The message without the file name in front. */
    readonly detail: string,
  ) {
    // one line whatever the file holds: names read from it cannot forge output lines
    super(`${file}: ${escapeControls(detail)}`);
  }
}
