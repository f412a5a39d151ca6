//! The encoder: PowerShell's own layout (`InternalSerializer` + `XmlWriter`), so output
//! imports with `Import-Clixml` and matches its bytes where the value model allows — object
//! and type-name RefIds as two counters from 0, `TNRef` for repeated type-name lists, `Ref`
//! for repeated object ids, element order TN, ToString, base, Props, MS.

use crate::escape::{encode_string, escape_xml};
use crate::number::format_float;
use crate::time::{format_datetime, format_duration};
use crate::value::{Base, ListKind, Member, ObjId, Object, ProgressRecord, Value};
use base64::Engine;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// `Environment.NewLine` of the platform, which is what `Export-Clixml` writes.
const NEWLINE: &str = if cfg!(windows) { "\r\n" } else { "\n" };
/// The start of a document's `<Objs>` root, up to (not including) its `>` or ` />`: for writers
/// that put fragments they hold already (a job's stored pipeline output) into one document.
pub const DOCUMENT_ROOT: &str =
    r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04""#;

/// Encodes values as an `Export-Clixml` document: the `<Objs>` root, one child per value,
/// indented by two spaces with the platform's line ending, no trailing newline.
pub fn encode_document(values: &[Value]) -> String {
    let mut w = Writer::new(true);
    w.out.push_str(DOCUMENT_ROOT);
    if values.is_empty() {
        w.out.push_str(" />");
        return w.out;
    }
    w.out.push('>');
    w.level = 1;
    for value in values {
        w.value(value, None);
    }
    w.level = 0;
    w.line();
    w.out.push_str("</Objs>");
    w.out
}

/// Encodes one value in the remoting form: no root, no namespace, no indentation.
pub fn encode_fragment(value: &Value) -> String {
    let mut w = Writer::new(false);
    w.value(value, None);
    w.out
}

struct Writer {
    out: String,
    indent: bool,
    level: usize,
    /// Decoded object id → RefId written for it.
    objects: HashMap<ObjId, u32>,
    next_object: u32,
    types: HashMap<Arc<[String]>, u32>,
    next_type: u32,
}

impl Writer {
    fn new(indent: bool) -> Self {
        Writer {
            out: String::with_capacity(256),
            indent,
            level: 0,
            objects: HashMap::new(),
            next_object: 0,
            types: HashMap::new(),
            next_type: 0,
        }
    }

    /// Starts a line at the current indentation (nothing in the unindented form).
    fn line(&mut self) {
        if self.indent {
            if !self.out.is_empty() {
                self.out.push_str(NEWLINE);
            }
            self.out.extend(std::iter::repeat_n("  ", self.level));
        }
    }

    fn name_attr(&mut self, name: Option<&str>) {
        if let Some(name) = name {
            self.out.push_str(" N=\"");
            encode_string(&mut self.out, name, true);
            self.out.push('"');
        }
    }

    /// `<tag N="…">text</tag>`, or `<tag N="…" />` when `text` writes nothing (PowerShell's
    /// `XmlWriter.WriteElementString` and primitive writers).
    fn leaf(&mut self, tag: &str, name: Option<&str>, text: impl FnOnce(&mut String)) {
        self.element(tag, name, true, text);
    }

    /// `<tag N="…">text</tag>` even when empty: `S`, `URI`, `XD` and `SBK` go through
    /// PowerShell's `WriteEncodedString`, whose explicit `WriteString("")` prevents `/>`.
    fn string_leaf(&mut self, tag: &str, name: Option<&str>, text: &str) {
        self.element(tag, name, false, encoded(text));
    }

    fn element(
        &mut self,
        tag: &str,
        name: Option<&str>,
        self_close: bool,
        text: impl FnOnce(&mut String),
    ) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.name_attr(name);
        self.out.push('>');
        let mark = self.out.len();
        text(&mut self.out);
        if self_close && self.out.len() == mark {
            self.out.truncate(mark - 1);
            self.out.push_str(" />");
        } else {
            let _ = write!(self.out, "</{tag}>");
        }
    }

    fn open(&mut self, tag: &str, name: Option<&str>) {
        self.line();
        self.out.push('<');
        self.out.push_str(tag);
        self.name_attr(name);
        self.out.push('>');
        self.level += 1;
    }

    fn close(&mut self, tag: &str) {
        self.level -= 1;
        self.line();
        let _ = write!(self.out, "</{tag}>");
    }

    fn value(&mut self, value: &Value, name: Option<&str>) {
        match value {
            Value::Nil => self.leaf("Nil", name, |_| {}),
            Value::Str(s) => self.string_leaf("S", name, s),
            Value::Char(c) => self.leaf("C", name, |o| write_display(o, c)),
            Value::Bool(b) => {
                self.leaf("B", name, |o| o.push_str(if *b { "true" } else { "false" }))
            }
            Value::DateTime(dt) => self.leaf("DT", name, |o| format_datetime(o, *dt)),
            Value::Duration(ticks) => self.leaf("TS", name, |o| format_duration(o, *ticks)),
            Value::U8(n) => self.leaf("By", name, |o| write_display(o, n)),
            Value::I8(n) => self.leaf("SB", name, |o| write_display(o, n)),
            Value::U16(n) => self.leaf("U16", name, |o| write_display(o, n)),
            Value::I16(n) => self.leaf("I16", name, |o| write_display(o, n)),
            Value::U32(n) => self.leaf("U32", name, |o| write_display(o, n)),
            Value::I32(n) => self.leaf("I32", name, |o| write_display(o, n)),
            Value::U64(n) => self.leaf("U64", name, |o| write_display(o, n)),
            Value::I64(n) => self.leaf("I64", name, |o| write_display(o, n)),
            Value::Single(f) => self.leaf("Sg", name, |o| format_float(o, *f)),
            Value::Double(f) => self.leaf("Db", name, |o| format_float(o, *f)),
            Value::Decimal(d) => self.leaf("D", name, |o| escape_xml(o, d)),
            Value::Bytes(b) => self.leaf("BA", name, |o| {
                base64::engine::general_purpose::STANDARD.encode_string(b, o)
            }),
            Value::Guid(g) => self.leaf("G", name, |o| write_display(o, &g.hyphenated())),
            Value::Uri(s) => self.string_leaf("URI", name, s),
            Value::Version(v) => self.leaf("Version", name, |o| escape_xml(o, v)),
            Value::XmlDocument(s) => self.string_leaf("XD", name, s),
            Value::ScriptBlock(s) => self.string_leaf("SBK", name, s),
            Value::SecureString(s) => self.leaf("SS", name, |o| escape_xml(o, s)),
            Value::Progress(pr) => self.progress(pr, name),
            Value::Object(obj) => self.object(obj, name),
            Value::Ref(id) => {
                // An id never written in this scope is kept as is; the reader will refuse it.
                let ref_id = self.objects.get(id).copied().unwrap_or(*id);
                self.line();
                self.out.push_str("<Ref");
                self.name_attr(name);
                let _ = write!(self.out, " RefId=\"{ref_id}\" />");
            }
        }
    }

    fn object(&mut self, obj: &Object, name: Option<&str>) {
        let ref_id = self.next_object;
        self.next_object += 1;
        if let Some(id) = obj.id {
            self.objects.insert(id, ref_id);
        }
        self.line();
        self.out.push_str("<Obj");
        self.name_attr(name);
        let _ = write!(self.out, " RefId=\"{ref_id}\"");
        let childless = obj.type_names.is_none()
            && obj.to_string.is_none()
            && obj.base.is_none()
            && obj.adapted.is_empty()
            && obj.extended.is_empty();
        if childless {
            self.out.push_str(" />");
            return;
        }
        self.out.push('>');
        self.level += 1;
        if let Some(names) = &obj.type_names {
            self.type_names(names);
        }
        if let Some(text) = &obj.to_string {
            self.leaf("ToString", None, |o| encode_string(o, text, false));
        }
        match &obj.base {
            None => {}
            Some(Base::Value(v)) => self.value(v, None),
            Some(Base::List(kind, items)) => {
                let tag = match kind {
                    ListKind::List => "LST",
                    ListKind::Enumerable => "IE",
                    ListKind::Stack => "STK",
                    ListKind::Queue => "QUE",
                };
                self.container(tag, items, |w, item| w.value(item, None));
            }
            Some(Base::Dict(entries)) => self.container("DCT", entries, |w, (key, value)| {
                w.open("En", None);
                w.value(key, Some("Key"));
                w.value(value, Some("Value"));
                w.close("En");
            }),
        }
        if !obj.adapted.is_empty() {
            self.container("Props", &obj.adapted, |w, (name, value)| {
                w.value(value, Some(name))
            });
        }
        if !obj.extended.is_empty() {
            self.members(&obj.extended, None);
        }
        self.close("Obj");
    }

    /// `<tag>items…</tag>`, or `<tag />` when empty.
    fn container<T>(&mut self, tag: &str, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            return self.leaf(tag, None, |_| {});
        }
        self.open(tag, None);
        for it in items {
            item(self, it);
        }
        self.close(tag);
    }

    fn members(&mut self, members: &[Member], name: Option<&str>) {
        if members.is_empty() {
            return self.leaf("MS", name, |_| {});
        }
        self.open("MS", name);
        for member in members {
            match member {
                Member::Property(name, value) => self.value(value, Some(name)),
                Member::Set(name, inner) => self.members(inner, Some(name)),
            }
        }
        self.close("MS");
    }

    fn type_names(&mut self, names: &Arc<[String]>) {
        if let Some(id) = self.types.get(names) {
            let id = *id;
            self.line();
            let _ = write!(self.out, "<TNRef RefId=\"{id}\" />");
            return;
        }
        let id = self.next_type;
        self.next_type += 1;
        self.types.insert(Arc::clone(names), id);
        self.line();
        let _ = write!(self.out, "<TN RefId=\"{id}\"");
        if names.is_empty() {
            self.out.push_str(" />");
            return;
        }
        self.out.push('>');
        self.level += 1;
        for name in names.iter() {
            self.leaf("T", None, |o| encode_string(o, name, false));
        }
        self.close("TN");
    }

    fn progress(&mut self, pr: &ProgressRecord, name: Option<&str>) {
        self.open("PR", name);
        self.leaf("AV", None, encoded(&pr.activity));
        self.leaf("AI", None, |o| write_display(o, &pr.activity_id));
        match &pr.current_operation {
            None => self.leaf("Nil", None, |_| {}),
            Some(op) => self.string_leaf("S", None, op),
        }
        self.leaf("PI", None, |o| write_display(o, &pr.parent_activity_id));
        self.leaf("PC", None, |o| write_display(o, &pr.percent_complete));
        self.leaf("T", None, encoded(&pr.record_type));
        self.leaf("SR", None, |o| write_display(o, &pr.seconds_remaining));
        self.leaf("SD", None, encoded(&pr.status_description));
        self.close("PR");
    }
}

/// Writes `s` with the `_x` string encoding.
fn encoded(s: &str) -> impl FnOnce(&mut String) + '_ {
    move |out| encode_string(out, s, false)
}

fn write_display(out: &mut String, v: &impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}
