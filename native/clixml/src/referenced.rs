//! Which objects a document's `<Ref>`s can name, found by a quick scan before decoding.
//!
//! A reader that builds objects keeps each one that has a `RefId` in case a later `Ref` names
//! it (PowerShell's own deserializer keeps them all). Told what the document's `Ref`s name
//! ([`crate::Decoder::ids_only_for`]), it keeps just those, and the objects of a long document
//! streamed down a pipeline can be freed as they go. The scan may name more than the
//! document's `Ref`s (a `<Ref` in a comment); it never names fewer: markup it cannot read
//! plainly makes it answer "any object".

use crate::scope::RefKey;
use crate::source::{Encoding, Source, encoding_of};
use crate::tokenizer::{attribute_text, attributes, is_space};
use memchr::memmem;
use std::collections::HashSet;
use std::io::{self, BufReader, Read};

/// The RefIds some `<Ref>` of a document may name.
#[derive(Debug, PartialEq, Eq)]
pub struct Referenced(Option<HashSet<RefKey>>);

/// The scan met markup it does not read plainly; every object may be named.
struct Unreadable;

/// Bytes read at a time by [`Referenced::scan_reader`].
const CHUNK: usize = 256 * 1024;

/// A `<Ref` tag longer than this is not read (a scan over a stream would have to hold it).
const MAX_TAG: usize = 64 * 1024;

impl Referenced {
    /// Any object may be named: the reader keeps them all, as without a scan.
    pub fn any() -> Self {
        Referenced(None)
    }

    /// Scans a whole document (UTF-8 in place; UTF-16 transcoded on the way).
    pub fn scan(document: &[u8]) -> Self {
        if !matches!(encoding_of(document), Ok((Encoding::Utf8, _))) {
            return Referenced::scan_reader(document).unwrap_or_else(|_| Referenced::any());
        }
        let mut keys = HashSet::new();
        match scan_chunk(document, true, &mut keys) {
            Ok(_) => Referenced(Some(keys)),
            Err(Unreadable) => Referenced::any(),
        }
    }

    /// Scans a stream to its end, a chunk at a time (the caller then decodes the document
    /// from its start again). It reads the encodings the decoder reads.
    pub fn scan_reader(input: impl Read) -> io::Result<Self> {
        let mut source = Source::new(BufReader::with_capacity(CHUNK, input));
        let mut buf = Vec::new();
        let mut keys = HashSet::new();
        loop {
            let at_end = source.read(&mut buf, CHUNK)? == 0;
            match scan_chunk(&buf, at_end, &mut keys) {
                Err(Unreadable) => return Ok(Referenced::any()),
                Ok(_) if at_end => return Ok(Referenced(Some(keys))),
                Ok(done) => drop(buf.drain(..done)),
            }
        }
    }

    /// Whether a `Ref` of the document may name an object with this `RefId`.
    pub(crate) fn may_name(&self, key: &RefKey) -> bool {
        self.0.as_ref().is_none_or(|keys| keys.contains(key))
    }
}

/// Adds the `RefId` of every `Ref` start tag in `bytes` (prefixed or not) to `keys`, and
/// returns how many bytes are done with: unless `at_end`, a tag cut off by the end of `bytes`,
/// and the last bytes that could begin one, are left for the next call.
fn scan_chunk(bytes: &[u8], at_end: bool, keys: &mut HashSet<RefKey>) -> Result<usize, Unreadable> {
    for at in memmem::find_iter(bytes, b"Ref") {
        // `<Ref` or `<prefix:Ref` (a `:Ref` in text is read as a tag too, which is safe).
        if at == 0 || !matches!(bytes[at - 1], b'<' | b':') {
            continue;
        }
        let tag_start = at - 1;
        let rest = &bytes[at + 3..];
        let Some(&after) = rest.first() else {
            return Ok(if at_end { bytes.len() } else { tag_start });
        };
        if !(matches!(after, b'/' | b'>') || is_space(after)) {
            continue; // `<RefX`: another name.
        }
        match memchr::memchr(b'>', rest) {
            Some(gt) => ref_ids(&rest[..gt], keys)?,
            None if !at_end && bytes.len() - tag_start <= MAX_TAG => return Ok(tag_start),
            None => return Err(Unreadable),
        }
    }
    Ok(if at_end {
        bytes.len()
    } else {
        bytes.len().saturating_sub(3)
    })
}

/// The `RefId` values among a start tag's attributes (`attrs`: what follows the name, up to
/// the `>`), split as the tokenizer splits them. Values with entities or characters XML
/// normalises are not read.
fn ref_ids(attrs: &[u8], keys: &mut HashSet<RefKey>) -> Result<(), Unreadable> {
    let (text, _) = attribute_text(attrs, 0, attrs.len());
    for attr in attributes(&attrs[text]) {
        let (name, value) = attr.map_err(|_| Unreadable)?;
        if name == b"RefId" {
            if value
                .iter()
                .any(|&b| matches!(b, b'&' | b'\t' | b'\r' | b'\n'))
            {
                return Err(Unreadable);
            }
            let text = std::str::from_utf8(value).map_err(|_| Unreadable)?;
            keys.insert(RefKey::parse(text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(doc: &str) -> Option<Vec<String>> {
        let Referenced(found) = Referenced::scan(doc.as_bytes());
        let mut keys: Vec<String> = found?.iter().map(ToString::to_string).collect();
        keys.sort();
        Some(keys)
    }

    fn names(keys: &[&str]) -> Option<Vec<String>> {
        Some(keys.iter().map(|k| k.to_string()).collect())
    }

    #[test]
    fn finds_the_ref_ids_powershell_writes() {
        let doc = r#"<Objs><Obj RefId="0"><TN RefId="0"><T>X</T></TN><MS><Ref N="Me" RefId="0" /></MS></Obj>
            <Obj RefId="1"><TNRef RefId="0" /></Obj><Ref RefId="12" /><Ref RefId="RefId-3"/></Objs>"#;
        assert_eq!(keys(doc), names(&["0", "12", "RefId-3"]));
    }

    #[test]
    fn reads_every_spelling_xml_allows_or_says_it_cannot() {
        assert_eq!(keys(r#"<ps:Ref RefId="4"/>"#), names(&["4"]));
        assert_eq!(keys("<Ref\n RefId = '5' N=\"a\"\t/>"), names(&["5"]));
        assert_eq!(keys(r#"<Ref RefId="6">"#), names(&["6"]));
        assert_eq!(
            keys(r#"<RefX RefId="7"/><TNRef RefId="8"/><S>Ref</S>"#),
            names(&[])
        );
        // An entity, a `>` inside a value, or no closing quote: not read plainly.
        assert_eq!(keys(r#"<Ref RefId="&#55;"/>"#), None);
        assert_eq!(keys(r#"<Ref N="a>b" RefId="9"/>"#), None);
        assert_eq!(keys(r#"<Ref RefId="9/>"#), None);
        // UTF-16 is read as the decoder reads it.
        for bom in ["\u{feff}", ""] {
            let text = format!("{bom}<ps:Ref RefId=\"1\"/>");
            let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            assert_eq!(Referenced::scan(&le), Referenced::scan(text.as_bytes()));
            assert_eq!(Referenced::scan(&be), Referenced::scan(text.as_bytes()));
        }
    }

    #[test]
    fn a_decoder_told_what_is_referenced_gives_ids_to_those_objects_only() {
        use crate::{Decoder, InMemory, Member, Value};
        let doc = br#"<Objs Version="1.1.0.1">
            <Obj RefId="0"><I32>1</I32></Obj>
            <Obj RefId="1"><I32>2</I32></Obj>
            <Obj RefId="2"><MS><Ref N="Two" RefId="1" /></MS></Obj>
            <Obj RefId="3"><MS><Ref N="Self" RefId="3" /></MS></Obj>
        </Objs>"#;
        // Each object's id, and the id its first member refers to.
        let ids_and_refs = |decoder: Decoder<InMemory>| -> Vec<_> {
            decoder
                .map(|value| match value.unwrap() {
                    Value::Object(o) => match o.extended.first() {
                        Some(Member::Property(_, Value::Ref(to))) => (o.id, Some(*to)),
                        _ => (o.id, None),
                    },
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let some = ids_and_refs(Decoder::from_bytes(&doc[..]).ids_only_for(Referenced::scan(doc)));
        assert_eq!(
            some,
            [
                (None, None),
                (Some(0), None),
                (None, Some(0)),
                (Some(1), Some(1))
            ]
        );
        let all = ids_and_refs(Decoder::from_bytes(&doc[..]));
        assert_eq!(
            all,
            [
                (Some(0), None),
                (Some(1), None),
                (Some(2), Some(1)),
                (Some(3), Some(3))
            ]
        );
    }
}
