// Entry of the classification webview (bundled to dist/webview/classify.js).
import type { ClassifyErrorReport, ClassifyFromWebview, ClassifyViewState } from '../../src/shared/classifyProtocol';
import { startWebview } from '../ui/host';
import { ClassifyApp } from './app';

startWebview<ClassifyErrorReport['source'], ClassifyFromWebview, ClassifyViewState>((root, api, report) => new ClassifyApp(root, api, report));
