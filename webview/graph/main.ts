// Entry of the graph webview (bundled to dist/webview/graph.js).
import type { FromWebview, GraphViewState, WebviewErrorMessage } from '../../src/shared/protocol';
import { startWebview } from '../ui/host';
import { GraphApp } from './app';

startWebview<WebviewErrorMessage['source'], FromWebview, GraphViewState>((root, api, report) => new GraphApp(root, api, report));
