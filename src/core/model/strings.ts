// Python string formatting as model files use it for module names: "denseblock%d" % (i + 1), "stage{}".format(i).
// Every string is built within a length limit (the evaluator's value budget): past it, StringTooLong says how long
// the string would have been, before it is built.
import type { Value } from './values';

/** A string being built would be `size` characters long, over its limit. */
export class StringTooLong extends Error {
  constructor(readonly size: number) {
    super(`a string of ${size} characters`);
  }
}

/** Throws StringTooLong when `size` characters would pass `limit`. */
export function checkLength(size: number, limit: number): void {
  if (size > limit) throw new StringTooLong(size);
}

/** Python's str() of a constant value; undefined when the value is not known here. */
export function pyStr(v: Value, limit = Infinity): string | undefined {
  switch (v.k) {
    case 'num': return v.int ? String(v.v) : formatFloat(v.v);
    case 'str': return v.v;
    case 'bool': return v.v ? 'True' : 'False';
    case 'none': return 'None';
    case 'list':
    case 'tuple': {
      const parts: string[] = [];
      let size = 2;
      for (const item of v.items) {
        const p = pyRepr(item, limit);
        if (p === undefined) return undefined;
        size += p.length + 2;
        checkLength(size, limit);
        parts.push(p);
      }
      return v.k === 'list' ? `[${parts.join(', ')}]` : `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
    }
    default: return undefined;
  }
}

function pyRepr(v: Value, limit: number): string | undefined {
  return v.k === 'str' ? `'${v.v}'` : pyStr(v, limit);
}

function formatFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  return String(x);
}

/** One conversion with its spec ("05d", ".2f", ">8"): what Python prints, or undefined for a spec this does not know. */
function applySpec(v: Value, spec: string, conv: string, limit: number): string | undefined {
  const m = /^([<>^=]?)([+\- ]?)(0?)(\d*)(?:\.(\d+))?([sdifgexXo%]?)$/.exec(spec);
  if (!m) return undefined;
  const [, align, sign, zero, width, precision, type] = m;
  let body: string | undefined;
  const n = v.k === 'num' || v.k === 'bool' ? Number(v.v) : undefined;
  const t = type || conv;
  if (t === 'd' || t === 'i') {
    if (n === undefined) return undefined;
    body = String(Math.trunc(n));
  } else if (t === 'f') {
    if (n === undefined) return undefined;
    body = n.toFixed(precision === undefined ? 6 : Number(precision));
  } else if (t === 'e') {
    if (n === undefined) return undefined;
    body = n.toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2');
  } else if (t === 'x' || t === 'X' || t === 'o') {
    if (n === undefined) return undefined;
    body = Math.trunc(n).toString(t === 'o' ? 8 : 16);
    if (t === 'X') body = body.toUpperCase();
  } else if (t === 'g' || t === '%') {
    return undefined;
  } else {
    body = conv === 'r' ? pyRepr(v, limit) : pyStr(v, limit);
    if (body !== undefined && precision !== undefined) body = body.slice(0, Number(precision));
  }
  if (body === undefined) return undefined;
  if (sign === '+' && n !== undefined && n >= 0) body = `+${body}`;
  const w = width ? Number(width) : 0;
  if (body.length >= w) return body;
  checkLength(w, limit);
  const pad = w - body.length;
  if (zero && !align) return body.startsWith('-') ? `-${'0'.repeat(pad)}${body.slice(1)}` : '0'.repeat(pad) + body;
  const numeric = n !== undefined && t !== 's' && t !== '';
  const a = align || (numeric ? '>' : '<');
  if (a === '<') return body + ' '.repeat(pad);
  if (a === '^') return ' '.repeat(Math.floor(pad / 2)) + body + ' '.repeat(Math.ceil(pad / 2));
  return ' '.repeat(pad) + body;
}

/** `fmt % values`: a string, an error message (Python's TypeError), or undefined when a value is unknown. */
export function percentFormat(fmt: string, rhs: Value, limit = Infinity): { text: string } | { error: string } | undefined {
  const values = rhs.k === 'tuple' ? rhs.items : [rhs];
  let i = 0;
  let out = '';
  const re = /%(?:\(([^)]*)\))?([#0\- +]*)(\d+|\*)?(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g;
  let last = 0;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = re.lastIndex;
    const [, key, flags, width, precision, conv] = m;
    if (conv === '%') { out += '%'; continue; }
    let v: Value | undefined;
    if (key !== undefined) {
      if (rhs.k !== 'dict') return { error: 'TypeError: format requires a mapping' };
      const j = rhs.keys.findIndex((k) => k.k === 'str' && k.v === key);
      if (j < 0) return undefined;
      v = rhs.values[j];
    } else {
      v = values[i++];
      if (v === undefined) return { error: 'TypeError: not enough arguments for format string' };
    }
    if (v.k === 'unknown') return undefined;
    const align = flags.includes('-') ? '<' : '';
    const zero = flags.includes('0') && !align ? '0' : '';
    const sign = flags.includes('+') ? '+' : '';
    const spec = `${align}${sign}${zero}${width && width !== '*' ? width : ''}${precision !== undefined ? `.${precision}` : ''}`;
    const s = applySpec(v, spec, conv === 'r' || conv === 'a' ? 'r' : conv === 'F' ? 'f' : conv === 'E' ? 'e' : conv === 'u' ? 'd' : conv, limit);
    if (s === undefined) return undefined;
    checkLength(out.length + s.length, limit);
    out += s;
  }
  checkLength(out.length + fmt.length - last, limit);
  out += fmt.slice(last);
  if (key0(fmt) === false && rhs.k === 'tuple' && i < values.length) return { error: 'TypeError: not all arguments converted during string formatting' };
  return { text: out };
}

function key0(fmt: string): boolean {
  return /%\(/.test(fmt);
}

/** `fmt.format(*args, **kwargs)`: the string, or undefined when a field is unknown or uses what this does not model. */
export function strFormat(fmt: string, args: Value[], kwargs: Map<string, Value>, limit = Infinity): string | undefined {
  let auto = 0;
  let out = '';
  const re = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g;
  let last = 0;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = re.lastIndex;
    if (m[0] === '{{' || m[0] === '}}') { out += m[0][0]; continue; }
    const [, field, conv, spec] = m;
    const [head, ...rest] = field.split(/(?=[.[])/);
    let v: Value | undefined = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kwargs.get(head);
    if (v === undefined) return undefined;
    for (const part of rest) {
      const idx = /^\[(\d+)\]$/.exec(part);
      if (idx && (v.k === 'list' || v.k === 'tuple')) v = v.items[Number(idx[1])];
      else return undefined;
      if (v === undefined) return undefined;
    }
    const s = applySpec(v, spec ?? '', conv === 'r' ? 'r' : '', limit);
    if (s === undefined) return undefined;
    checkLength(out.length + s.length, limit);
    out += s;
  }
  checkLength(out.length + fmt.length - last, limit);
  return out + fmt.slice(last);
}
