/** Why an image could not be used; every failure of src/core/images is one of these. */
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
    super(`${file}: ${detail}`);
  }
}
