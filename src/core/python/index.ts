// Public entry point of the Python front end: `parse(source)` and the AST types.
export * from './ast';
export { parse } from './parser';
export { tokenize } from './lexer';
export type { Token, TokenKind, FStringField, FStringPart, LexError, LexOptions, LexResult } from './lexer';
