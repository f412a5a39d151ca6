// CliXml (MS-PSRP §2.2.5) read in the browser with DOMParser, decoded lazily: a node's
// children are decoded only when asked for, so a large pipeline opens at once and an object
// that references itself (Ref) cannot loop.

const NS = 'http://schemas.microsoft.com/powershell/2004/04';

/** The .NET type each primitive element stands for. */
const PRIMITIVES = {
  S: 'System.String', C: 'System.Char', B: 'System.Boolean', DT: 'System.DateTime',
  TS: 'System.TimeSpan', By: 'System.Byte', SB: 'System.SByte', U16: 'System.UInt16',
  I16: 'System.Int16', U32: 'System.UInt32', I32: 'System.Int32', U64: 'System.UInt64',
  I64: 'System.Int64', Sg: 'System.Single', Db: 'System.Double', D: 'System.Decimal',
  BA: 'System.Byte[]', G: 'System.Guid', URI: 'System.Uri', Version: 'System.Version',
  XD: 'System.Xml.XmlDocument', SBK: 'System.Management.Automation.ScriptBlock',
  SS: 'System.Security.SecureString', Nil: '$null', PR: 'System.Management.Automation.ProgressRecord',
};
const COLLECTIONS = new Set(['LST', 'IE', 'STK', 'QUE']);

export class ClixmlError extends Error {}

/** `_xHHHH_` escapes (used for characters XML cannot hold) back to the characters. */
export function unescapeText(text) {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** A parsed document: its top-level objects and the RefId tables Ref and TNRef point into. */
export class ClixmlDocument {
  /** `text`: a whole `<Objs>` document, or bare fragments (wrapped here). */
  constructor(text) {
    const source = /^\s*(<\?xml[^>]*>\s*)?<Objs[\s>]/.test(text)
      ? text
      : `<Objs Version="1.1.0.1" xmlns="${NS}">${text}</Objs>`;
    const xml = new DOMParser().parseFromString(source, 'application/xml');
    const failure = xml.getElementsByTagName('parsererror')[0];
    if (failure) throw new ClixmlError(`The CliXml could not be read: ${failure.textContent.trim().split('\n')[0]}`);
    this.root = xml.documentElement;
    this.objects = new Map();
    this.typeNames = new Map();
    for (const el of xml.getElementsByTagNameNS('*', 'Obj')) {
      const id = el.getAttribute('RefId');
      if (id !== null) this.objects.set(id, el);
    }
    for (const el of xml.getElementsByTagNameNS('*', 'TN')) {
      const id = el.getAttribute('RefId');
      if (id !== null) this.typeNames.set(id, [...childElements(el)].map((t) => t.textContent));
    }
  }

  /** One node per top-level object, in document order. */
  roots() {
    return [...childElements(this.root)].map((el, i) => this.node(el, `[${i}]`));
  }

  /**
   * A display node: { name, typeName, typeNames, value, summary, hasChildren, children() }.
   * `value` is set for primitives; `summary` is the one-line text shown beside the name.
   */
  node(el, name) {
    const tag = el.localName;
    if (tag === 'Ref') {
      const target = this.objects.get(el.getAttribute('RefId'));
      if (!target) return leaf(name, 'Ref', `(missing reference ${el.getAttribute('RefId')})`);
      return this.node(target, name);
    }
    if (tag !== 'Obj') return leaf(name, PRIMITIVES[tag] ?? tag, primitiveText(el));
    return this.objectNode(el, name);
  }

  objectNode(el, name) {
    let typeNames = [];
    let toString = null;
    let inner = null;
    const members = [];
    const items = [];
    const entries = [];
    for (const child of childElements(el)) {
      const tag = child.localName;
      if (tag === 'TN') typeNames = [...childElements(child)].map((t) => t.textContent);
      else if (tag === 'TNRef') typeNames = this.typeNames.get(child.getAttribute('RefId')) ?? [];
      else if (tag === 'ToString') toString = unescapeText(child.textContent);
      else if (tag === 'Props' || tag === 'MS') members.push(...childElements(child));
      else if (COLLECTIONS.has(tag)) items.push(...childElements(child));
      else if (tag === 'DCT') entries.push(...childElements(child));
      else if (PRIMITIVES[tag] || tag === 'Ref' || tag === 'Obj') inner = child;
    }
    const innerText = inner && inner.localName !== 'Obj' && inner.localName !== 'Ref' ? primitiveText(inner) : null;
    let summary = toString ?? innerText ?? '';
    if (items.length || (!summary && typeNames.some(isCollectionType))) summary = `(${items.length} item${items.length === 1 ? '' : 's'})`;
    if (entries.length) summary = `(${entries.length} entr${entries.length === 1 ? 'y' : 'ies'})`;
    const count = members.length + items.length + entries.length;
    return {
      name,
      typeName: typeNames[0] ?? 'System.Object',
      typeNames,
      value: innerText,
      summary,
      hasChildren: count > 0,
      children: () => [
        ...items.map((item, i) => this.node(item, `[${i}]`)),
        ...entries.map((entry) => this.entryNode(entry)),
        ...members.map((m) => this.node(m, unescapeText(m.getAttribute('N') ?? '?'))),
      ],
    };
  }

  /** A dictionary entry: named by its key, showing its value. */
  entryNode(entry) {
    let key = null;
    let value = null;
    for (const part of childElements(entry)) {
      if (part.getAttribute('N') === 'Key') key = part;
      else if (part.getAttribute('N') === 'Value') value = part;
    }
    const keyNode = key ? this.node(key, 'Key') : leaf('Key', '$null', '$null');
    const label = `[${keyNode.value ?? keyNode.summary}]`;
    return value ? this.node(value, label) : leaf(label, '$null', '$null');
  }
}

function isCollectionType(name) {
  return /\[\]$|List|Collection|ArrayList|Hashtable|Dictionary/.test(name);
}

function leaf(name, typeName, text) {
  return { name, typeName, typeNames: [typeName], value: text, summary: text, hasChildren: false, children: () => [] };
}

function* childElements(el) {
  for (let c = el.firstElementChild; c; c = c.nextElementSibling) yield c;
}

/** A primitive's text as PowerShell would show it. */
function primitiveText(el) {
  const text = el.textContent;
  switch (el.localName) {
    case 'Nil': return '$null';
    case 'S': case 'URI': case 'XD': case 'SBK': return unescapeText(text);
    case 'C': return String.fromCharCode(Number(text));
    case 'B': return text === 'true' ? 'True' : 'False';
    case 'TS': return timeSpan(text);
    case 'BA': return `(${Math.floor((text.replace(/\s/g, '').length * 3) / 4)} bytes)`;
    case 'SS': return '(secure string)';
    default: return text;
  }
}

/** xs:duration (PT1H2M3.5S, P1DT…) as .NET's d.hh:mm:ss. */
function timeSpan(text) {
  const m = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(text);
  if (!m) return text;
  const [, sign, d, hh, mm, ss] = m;
  const pad = (n) => String(n).padStart(2, '0');
  const seconds = Number(ss ?? 0);
  const whole = Math.floor(seconds);
  const fraction = seconds - whole ? String(seconds.toFixed(7)).slice(String(whole).length) : '';
  return `${sign ?? ''}${d ? `${d}.` : ''}${pad(hh ?? 0)}:${pad(mm ?? 0)}:${pad(whole)}${fraction}`;
}
