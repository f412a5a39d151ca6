//! The compact binary form decoded CliXml crosses the boundary in (documented in BUFFER.md).
//! It is written for the C# reader: little-endian fixed-width numbers, UTF-16 strings it can
//! copy straight into `string`, and tables so repeated property names and type-name lists are
//! sent (and allocated on the C# side) once per decoder, not once per object.

use clixml::{
    Base, DateKind, ListKind, Member, Object, ProgressRecord, Value, deserialized_type_name,
};
use std::collections::HashMap;
use std::sync::Arc;

/// `PSJB`, then the format version.
pub const MAGIC: [u8; 4] = *b"PSJB";
pub const FORMAT_VERSION: u8 = 1;
/// Marks an absent id or type-name list.
pub const NONE: u32 = u32::MAX;

pub mod tag {
    pub const NIL: u8 = 0;
    pub const STR: u8 = 1;
    pub const CHAR: u8 = 2;
    pub const BOOL: u8 = 3;
    pub const DATE_TIME: u8 = 4;
    pub const DURATION: u8 = 5;
    pub const U8: u8 = 6;
    pub const I8: u8 = 7;
    pub const U16: u8 = 8;
    pub const I16: u8 = 9;
    pub const U32: u8 = 10;
    pub const I32: u8 = 11;
    pub const U64: u8 = 12;
    pub const I64: u8 = 13;
    pub const SINGLE: u8 = 14;
    pub const DOUBLE: u8 = 15;
    pub const DECIMAL: u8 = 16;
    pub const BYTES: u8 = 17;
    pub const GUID: u8 = 18;
    pub const URI: u8 = 19;
    pub const VERSION: u8 = 20;
    pub const XML_DOCUMENT: u8 = 21;
    pub const SCRIPT_BLOCK: u8 = 22;
    pub const SECURE_STRING: u8 = 23;
    pub const PROGRESS: u8 = 24;
    pub const OBJECT: u8 = 25;
    pub const REF: u8 = 26;
}

/// Writes batches of top-level values. One writer lives as long as its decoder, because the
/// name and type-name tables (like CliXml's own RefIds) span the whole document.
#[derive(Default)]
pub struct BatchWriter {
    names: HashMap<Box<str>, u32>,
    /// Keyed by the `Arc`'s address; the `Arc` is kept in the value so the address cannot be
    /// reused by a later list while the key exists.
    type_lists: HashMap<usize, (u32, Arc<[String]>)>,
    out: Vec<u8>,
    count: u32,
}

impl BatchWriter {
    /// Starts a new batch (the tables carry over).
    pub fn begin(&mut self) {
        self.out.clear();
        self.out.extend_from_slice(&MAGIC);
        self.out.extend_from_slice(&[FORMAT_VERSION, 0, 0, 0]);
        self.out.extend_from_slice(&0u32.to_le_bytes());
        self.count = 0;
    }

    pub fn push(&mut self, value: &Value) {
        self.value(value);
        self.count += 1;
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Finishes the batch: patches the value count and hands the bytes over.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.out);
        if out.len() < 12 {
            out.resize(12, 0);
            out[..4].copy_from_slice(&MAGIC);
            out[4] = FORMAT_VERSION;
        }
        out[8..12].copy_from_slice(&self.count.to_le_bytes());
        out
    }

    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn len32(&mut self, n: usize) {
        // The codec's limits keep every collection and string far below 4 Gi entries.
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// `u32` UTF-16 code-unit count, then the code units.
    fn str(&mut self, s: &str) {
        if s.is_ascii() {
            self.len32(s.len());
            self.out.reserve(s.len() * 2);
            for b in s.bytes() {
                self.out.extend_from_slice(&[b, 0]);
            }
        } else {
            let start = self.out.len();
            self.u32(0);
            let mut n = 0usize;
            for unit in s.encode_utf16() {
                self.u16(unit);
                n += 1;
            }
            let n = u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
            self.out[start..start + 4].copy_from_slice(&n);
        }
    }

    /// A table index; a new name is defined inline right after its (new) index.
    fn name(&mut self, name: &str) {
        if let Some(&index) = self.names.get(name) {
            self.u32(index);
        } else {
            let index = self.names.len() as u32;
            self.names.insert(name.into(), index);
            self.u32(index);
            self.str(name);
        }
    }

    fn type_names(&mut self, names: Option<&Arc<[String]>>) {
        let Some(names) = names else {
            return self.u32(NONE);
        };
        let key = Arc::as_ptr(names) as *const String as usize;
        if let Some((index, _)) = self.type_lists.get(&key) {
            let index = *index;
            return self.u32(index);
        }
        let index = self.type_lists.len() as u32;
        self.type_lists.insert(key, (index, names.clone()));
        self.u32(index);
        // PowerShell skips empty <T> entries and prefixes the rest with `Deserialized.`.
        let kept: Vec<_> = names.iter().filter(|n| !n.is_empty()).collect();
        self.len32(kept.len());
        for n in kept {
            self.str(&deserialized_type_name(n));
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Nil => self.u8(tag::NIL),
            Value::Str(s) => self.tagged_str(tag::STR, s),
            Value::Char(c) => {
                self.u8(tag::CHAR);
                self.u16(*c);
            }
            Value::Bool(b) => {
                self.u8(tag::BOOL);
                self.u8(u8::from(*b));
            }
            Value::DateTime(dt) => {
                self.u8(tag::DATE_TIME);
                self.i64(dt.ticks);
                let (kind, offset) = match dt.kind {
                    DateKind::Unspecified => (0, 0),
                    DateKind::Utc => (1, 0),
                    DateKind::Offset(m) => (2, m),
                };
                self.u8(kind);
                self.out.extend_from_slice(&offset.to_le_bytes());
            }
            Value::Duration(t) => {
                self.u8(tag::DURATION);
                self.i64(*t);
            }
            Value::U8(v) => {
                self.u8(tag::U8);
                self.u8(*v);
            }
            Value::I8(v) => {
                self.u8(tag::I8);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Value::U16(v) => {
                self.u8(tag::U16);
                self.u16(*v);
            }
            Value::I16(v) => {
                self.u8(tag::I16);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Value::U32(v) => {
                self.u8(tag::U32);
                self.u32(*v);
            }
            Value::I32(v) => {
                self.u8(tag::I32);
                self.i32(*v);
            }
            Value::U64(v) => {
                self.u8(tag::U64);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Value::I64(v) => {
                self.u8(tag::I64);
                self.i64(*v);
            }
            Value::Single(v) => {
                self.u8(tag::SINGLE);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Value::Double(v) => {
                self.u8(tag::DOUBLE);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Value::Decimal(s) => self.tagged_str(tag::DECIMAL, s),
            Value::Bytes(b) => {
                self.u8(tag::BYTES);
                self.len32(b.len());
                self.out.extend_from_slice(b);
            }
            Value::Guid(g) => {
                self.u8(tag::GUID);
                self.out.extend_from_slice(g.as_bytes());
            }
            Value::Uri(s) => self.tagged_str(tag::URI, s),
            Value::Version(s) => self.tagged_str(tag::VERSION, s),
            Value::XmlDocument(s) => self.tagged_str(tag::XML_DOCUMENT, s),
            Value::ScriptBlock(s) => self.tagged_str(tag::SCRIPT_BLOCK, s),
            Value::SecureString(s) => self.tagged_str(tag::SECURE_STRING, s),
            Value::Progress(p) => self.progress(p),
            Value::Object(o) => self.object(o),
            Value::Ref(id) => {
                self.u8(tag::REF);
                self.u32(*id);
            }
        }
    }

    fn tagged_str(&mut self, tag: u8, s: &str) {
        self.u8(tag);
        self.str(s);
    }

    fn progress(&mut self, p: &ProgressRecord) {
        self.u8(tag::PROGRESS);
        self.str(&p.activity);
        self.i32(p.activity_id);
        match &p.current_operation {
            Some(op) => {
                self.u8(1);
                self.str(op);
            }
            None => self.u8(0),
        }
        self.i32(p.parent_activity_id);
        self.i32(p.percent_complete);
        self.u8(u8::from(p.record_type.eq_ignore_ascii_case("Completed")));
        self.i32(p.seconds_remaining);
        self.str(&p.status_description);
    }

    fn object(&mut self, o: &Object) {
        self.u8(tag::OBJECT);
        self.u32(o.id.unwrap_or(NONE));
        self.type_names(o.type_names.as_ref());
        match &o.to_string {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
        match &o.base {
            None => self.u8(0),
            Some(Base::Value(v)) => {
                self.u8(1);
                self.value(v);
            }
            Some(Base::List(kind, items)) => {
                self.u8(2);
                self.u8(match kind {
                    ListKind::List => 0,
                    ListKind::Enumerable => 1,
                    ListKind::Stack => 2,
                    ListKind::Queue => 3,
                });
                self.len32(items.len());
                for item in items {
                    self.value(item);
                }
            }
            Some(Base::Dict(entries)) => {
                self.u8(3);
                self.len32(entries.len());
                for (k, v) in entries {
                    self.value(k);
                    self.value(v);
                }
            }
        }
        self.len32(o.adapted.len());
        for (name, value) in &o.adapted {
            self.name(name);
            self.value(value);
        }
        self.members(&o.extended);
    }

    fn members(&mut self, members: &[Member]) {
        self.len32(members.len());
        for member in members {
            match member {
                Member::Property(name, value) => {
                    self.u8(0);
                    self.name(name);
                    self.value(value);
                }
                Member::Set(name, inner) => {
                    self.u8(1);
                    self.name(name);
                    self.members(inner);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(values: &[Value]) -> Vec<u8> {
        let mut w = BatchWriter::default();
        w.begin();
        for v in values {
            w.push(v);
        }
        w.finish()
    }

    #[test]
    fn header_counts_values() {
        let bytes = batch(&[Value::I32(7), Value::Nil]);
        assert_eq!(&bytes[..4], b"PSJB");
        assert_eq!(bytes[4], FORMAT_VERSION);
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2);
        assert_eq!(&bytes[12..], &[tag::I32, 7, 0, 0, 0, tag::NIL]);
    }

    #[test]
    fn strings_are_utf16_with_unit_count() {
        let bytes = batch(&[Value::Str("aé€😀".into())]);
        let body = &bytes[12..];
        assert_eq!(body[0], tag::STR);
        assert_eq!(u32::from_le_bytes(body[1..5].try_into().unwrap()), 5);
        let units: Vec<u16> = body[5..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "aé€😀");
    }

    #[test]
    fn names_and_type_lists_are_defined_once() {
        let tn: Arc<[String]> =
            vec!["A".to_string(), String::new(), "Deserialized.B".to_string()].into();
        let obj = |id| {
            Value::Object(Box::new(Object {
                id: Some(id),
                type_names: Some(tn.clone()),
                extended: vec![Member::Property("P".into(), Value::Bool(true))],
                ..Object::default()
            }))
        };
        let mut w = BatchWriter::default();
        w.begin();
        w.push(&obj(0));
        let first = w.finish();
        w.begin();
        w.push(&obj(1));
        let second = w.finish();
        // The second object refers to type list 0 and name 0 without redefining them.
        assert_eq!(
            &second[12..],
            &[
                &[tag::OBJECT][..],
                &[1, 0, 0, 0],    // id
                &[0, 0, 0, 0],    // type list 0
                &[0, 0],          // no ToString, no base
                &[0, 0, 0, 0],    // no adapted properties
                &[1, 0, 0, 0],    // one member
                &[0, 0, 0, 0, 0], // property, name 0
                &[tag::BOOL, 1],
            ]
            .concat()[..]
        );
        let text = String::from_utf8_lossy(&first).replace('\0', "");
        assert!(text.contains("Deserialized.A"));
        assert!(!text.contains("Deserialized.Deserialized.B"));
    }
}
