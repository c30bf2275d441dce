// IR source ranges <-> vscode ranges (IR lines are 1-based, vscode's 0-based).
import * as vscode from 'vscode';
import type { SourceRange } from '../core/model/ir';

export function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(Math.max(0, r.line - 1), Math.max(0, r.column), Math.max(0, r.endLine - 1), Math.max(0, r.endColumn));
}

