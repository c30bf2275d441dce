// Entry of the Train panel's webview (bundled to dist/webview/train.js).
import './app';
