// dist/webview/toolkit.js: @vscode/webview-ui-toolkit's custom elements, loaded after the first paint (ui/toolkit.ts);
// the elements made before it upgrade in place when it runs. Half the graph page's script, and slow to evaluate.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(
  vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField(), vsCodeDivider(),
  vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(),
);
