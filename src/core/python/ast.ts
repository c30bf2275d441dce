// AST for the subset of Python that model files use. Shapes follow Python's own `ast` module names,
// so the evaluator reads like the Python docs. Every node carries its source range.
import type { SourceRange } from '../types';

interface NodeBase {
  range: SourceRange;
}

// ---------- expressions ----------
export interface Name extends NodeBase { type: 'Name'; id: string }
/** Numbers (int and float distinguished), strings (bytes too, as text), True/False/None, Ellipsis. */
export interface Constant extends NodeBase {
  type: 'Constant';
  value: number | string | boolean | null;
  /** 'int' | 'float' | 'str' | 'bool' | 'None' | 'Ellipsis' | 'complex' */
  kind: 'int' | 'float' | 'str' | 'bool' | 'None' | 'Ellipsis' | 'complex';
}
/** f-string: parts are literal strings or expressions (format spec ignored). */
export interface JoinedStr extends NodeBase { type: 'JoinedStr'; parts: (string | Expr)[] }
export interface Attribute extends NodeBase { type: 'Attribute'; value: Expr; attr: string; attrRange: SourceRange }
export interface Keyword extends NodeBase { type: 'keyword'; /** null for **kwargs */ arg: string | null; value: Expr }
export interface Call extends NodeBase { type: 'Call'; func: Expr; args: Expr[]; keywords: Keyword[] }
export type BinOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '@' | '<<' | '>>' | '&' | '|' | '^';
export interface BinOp extends NodeBase { type: 'BinOp'; op: BinOperator; left: Expr; right: Expr }
export interface UnaryOp extends NodeBase { type: 'UnaryOp'; op: '-' | '+' | 'not' | '~'; operand: Expr }
export interface BoolOp extends NodeBase { type: 'BoolOp'; op: 'and' | 'or'; values: Expr[] }
export type CmpOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';
export interface Compare extends NodeBase { type: 'Compare'; left: Expr; ops: CmpOperator[]; comparators: Expr[] }
export interface List extends NodeBase { type: 'List'; elts: Expr[] }
export interface Tuple extends NodeBase { type: 'Tuple'; elts: Expr[] }
export interface Set extends NodeBase { type: 'Set'; elts: Expr[] }
/** keys[i] === null means `**value` unpacking. */
export interface Dict extends NodeBase { type: 'Dict'; keys: (Expr | null)[]; values: Expr[] }
export interface Subscript extends NodeBase { type: 'Subscript'; value: Expr; slice: Expr }
export interface Slice extends NodeBase { type: 'Slice'; lower: Expr | null; upper: Expr | null; step: Expr | null }
export interface IfExp extends NodeBase { type: 'IfExp'; test: Expr; body: Expr; orelse: Expr }
export interface Starred extends NodeBase { type: 'Starred'; value: Expr }
/** `**x` inside a call is a Keyword with arg null; DoubleStarred never appears elsewhere. */
export interface Comprehension { target: Expr; iter: Expr; ifs: Expr[]; isAsync: boolean }
export interface ListComp extends NodeBase { type: 'ListComp'; elt: Expr; generators: Comprehension[] }
export interface SetComp extends NodeBase { type: 'SetComp'; elt: Expr; generators: Comprehension[] }
export interface GeneratorExp extends NodeBase { type: 'GeneratorExp'; elt: Expr; generators: Comprehension[] }
export interface DictComp extends NodeBase { type: 'DictComp'; key: Expr; value: Expr; generators: Comprehension[] }
export interface Lambda extends NodeBase { type: 'Lambda'; params: Param[]; body: Expr }
export interface NamedExpr extends NodeBase { type: 'NamedExpr'; target: Name; value: Expr }
export interface Await extends NodeBase { type: 'Await'; value: Expr }
export interface Yield extends NodeBase { type: 'Yield'; value: Expr | null; from: boolean }

export type Expr =
  | Name | Constant | JoinedStr | Attribute | Call | BinOp | UnaryOp | BoolOp | Compare
  | List | Tuple | Set | Dict | Subscript | Slice | IfExp | Starred
  | ListComp | SetComp | GeneratorExp | DictComp | Lambda | NamedExpr | Await | Yield;

// ---------- statements ----------
export interface Param {
  name: string;
  range: SourceRange;
  annotation: Expr | null;
  default: Expr | null;
  /** 'vararg' is *args, 'kwarg' is **kwargs; 'kwonly' after * or *args; 'posonly' before /. */
  kind: 'normal' | 'posonly' | 'kwonly' | 'vararg' | 'kwarg';
}
export interface Alias { name: string; asname: string | null; range: SourceRange }

export interface Import extends NodeBase { type: 'Import'; names: Alias[] }
/** `from .x import y`: module 'x', level 1. `from torch import nn`: module 'torch', level 0. names [{name:'*'}] for star. */
export interface ImportFrom extends NodeBase { type: 'ImportFrom'; module: string | null; names: Alias[]; level: number }
export interface ClassDef extends NodeBase { type: 'ClassDef'; name: string; nameRange: SourceRange; bases: Expr[]; keywords: Keyword[]; body: Stmt[]; decorators: Expr[] }
export interface FunctionDef extends NodeBase { type: 'FunctionDef'; name: string; nameRange: SourceRange; params: Param[]; body: Stmt[]; decorators: Expr[]; returns: Expr | null; isAsync: boolean }
export interface Return extends NodeBase { type: 'Return'; value: Expr | null }
/** `a = b = value` has two targets. Targets may be Name, Attribute, Subscript, Tuple, List, Starred. */
export interface Assign extends NodeBase { type: 'Assign'; targets: Expr[]; value: Expr }
export interface AugAssign extends NodeBase { type: 'AugAssign'; target: Expr; op: BinOperator; value: Expr }
export interface AnnAssign extends NodeBase { type: 'AnnAssign'; target: Expr; annotation: Expr; value: Expr | null }
export interface ExprStmt extends NodeBase { type: 'Expr'; value: Expr }
export interface If extends NodeBase { type: 'If'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface For extends NodeBase { type: 'For'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[]; isAsync: boolean }
export interface While extends NodeBase { type: 'While'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface WithItem { contextExpr: Expr; optionalVars: Expr | null }
export interface With extends NodeBase { type: 'With'; items: WithItem[]; body: Stmt[]; isAsync: boolean }
export interface ExceptHandler { type: Expr | null; name: string | null; body: Stmt[]; range: SourceRange }
export interface Try extends NodeBase { type: 'Try'; body: Stmt[]; handlers: ExceptHandler[]; orelse: Stmt[]; finalbody: Stmt[] }
export interface Raise extends NodeBase { type: 'Raise'; exc: Expr | null; cause: Expr | null }
export interface Assert extends NodeBase { type: 'Assert'; test: Expr; msg: Expr | null }
export interface Delete extends NodeBase { type: 'Delete'; targets: Expr[] }
export interface Global extends NodeBase { type: 'Global'; names: string[] }
export interface Nonlocal extends NodeBase { type: 'Nonlocal'; names: string[] }
export interface Pass extends NodeBase { type: 'Pass' }
export interface Break extends NodeBase { type: 'Break' }
export interface Continue extends NodeBase { type: 'Continue' }
/** Statements the parser recognises but does not model (match, type aliases...): kept so analysis can name them. */
export interface UnsupportedStmt extends NodeBase { type: 'Unsupported'; keyword: string }

export type Stmt =
  | Import | ImportFrom | ClassDef | FunctionDef | Return | Assign | AugAssign | AnnAssign | ExprStmt
  | If | For | While | With | Try | Raise | Assert | Delete | Global | Nonlocal | Pass | Break | Continue
  | UnsupportedStmt;

export interface Comment { text: string; range: SourceRange }

export interface SyntaxIssue { message: string; range: SourceRange }

export interface Module {
  type: 'Module';
  body: Stmt[];
  /** Every `# ...` comment in the file, text without the leading '#', in order (used for `# input[3, 224, 224]`). */
  comments: Comment[];
}

export interface ParseResult {
  module: Module;
  /** Syntax errors; the parser recovers at the next statement so the rest of the file is still read. */
  errors: SyntaxIssue[];
}
