//! Document framing: `#< CLIXML` header lines, the `<Objs>` root (possibly several
//! concatenated documents), one top-level value per iteration; and the root-less fragment
//! form of remoting message bodies.

use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::parser::Parser;
use crate::referenced::Referenced;
use crate::source::{InMemory, Input, Streamed};
use crate::tag::Tag;
use crate::tokenizer::{Token, is_space};
use crate::value::Value;
use std::borrow::Cow;
use std::io::BufRead;

/// The header line `pwsh -OutputFormat xml` writes before the document.
const CLIXML_HEADER: &[u8] = b"#< CLIXML";

/// Streaming decoder over a CliXml document: yields one top-level value at a time, so memory
/// is bounded by the largest value. The RefId scope spans the whole document (a `Ref` may
/// point into an earlier top-level value). Accepts a UTF-8/UTF-16 BOM, `#< CLIXML` header
/// lines and several concatenated `<Objs>` documents (each its own scope). After an error
/// the iterator ends.
///
/// [`Decoder::new`] reads a stream through a bounded window; [`Decoder::from_bytes`] reads a
/// document already in memory in place, which is faster.
pub struct Decoder<I: Input> {
    parser: Parser<I>,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a root element; `seen_root` tells whether one was read already.
    Prolog {
        seen_root: bool,
    },
    InDocument,
    Done,
}

impl<R: BufRead> Decoder<Streamed<R>> {
    pub fn new(input: R) -> Self {
        Self::with_limits(input, Limits::default())
    }

    pub fn with_limits(input: R, limits: Limits) -> Self {
        Decoder::over(Streamed::new(input), limits)
    }
}

impl<'a> Decoder<InMemory<'a>> {
    /// A document in memory, borrowed (`&[u8]`) or owned (`Vec<u8>`): UTF-8 with or without
    /// BOM, or UTF-16 with BOM (transcoded once).
    pub fn from_bytes(bytes: impl Into<Cow<'a, [u8]>>) -> Self {
        Self::from_bytes_with_limits(bytes, Limits::default())
    }

    pub fn from_bytes_with_limits(bytes: impl Into<Cow<'a, [u8]>>, limits: Limits) -> Self {
        Decoder::over(InMemory::new(bytes), limits)
    }
}

impl<I: Input> Decoder<I> {
    /// Gives an id ([`crate::Object::id`]) only to objects a `Ref` of the document may name,
    /// so that a reader keeping identified objects for later `Ref`s keeps only those. Ids stay
    /// dense, in order of appearance, among the objects that get one.
    pub fn ids_only_for(mut self, referenced: Referenced) -> Self {
        self.parser.referenced = referenced;
        self
    }

    fn over(input: I, limits: Limits) -> Self {
        Decoder {
            parser: Parser::new(input, limits),
            state: State::Prolog { seen_root: false },
        }
    }

    fn step(&mut self) -> Result<Option<Value>> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::InDocument => match self.parser.child(Tag::Objs)? {
                    Some(start) => return self.parser.value(start, 0).map(Some),
                    None => self.state = State::Prolog { seen_root: true },
                },
                State::Prolog { seen_root } => {
                    while self.parser.tok.skip_line(CLIXML_HEADER)? {}
                    match self.parser.tok.next()? {
                        Token::Text(span) | Token::CData(span) => {
                            if !self.parser.tok.bytes(&span).iter().all(|&b| is_space(b)) {
                                return Err(self.parser.tok.error(ErrorKind::UnexpectedText));
                            }
                        }
                        Token::Start { name, empty } => {
                            let root = self.parser.start(&name, empty, false)?;
                            self.open_root(&root.tag, root.version.as_deref(), root.pos)?;
                            self.state = if empty {
                                State::Prolog { seen_root: true }
                            } else {
                                State::InDocument
                            };
                        }
                        Token::End { .. } => {
                            return Err(self
                                .parser
                                .tok
                                .error(ErrorKind::Syntax("end tag outside the root")));
                        }
                        Token::Eof if seen_root => return Ok(None),
                        Token::Eof => return Err(self.parser.tok.error(ErrorKind::MissingRoot)),
                    }
                }
            }
        }
    }

    /// Checks the root and its `Version` (major must be 1) and opens a new RefId scope.
    fn open_root(&mut self, tag: &Tag, version: Option<&str>, pos: u64) -> Result<()> {
        if *tag != Tag::Objs {
            return Err(Error::new(ErrorKind::MissingRoot, pos));
        }
        self.parser.reset_scope();
        if let Some(version) = version {
            let mut parts = version.split('.').map(|p| p.trim().parse::<u32>());
            match (parts.next(), parts.next()) {
                (Some(Ok(1)), minor) => {
                    self.parser.skip_unknown = matches!(minor, Some(Ok(m)) if m > 1)
                }
                _ => return Err(Error::new(ErrorKind::Version(version.to_owned()), pos)),
            }
        }
        Ok(())
    }
}

impl<I: Input> Iterator for Decoder<I> {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(value)) => Some(Ok(value)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }
}

/// Decodes a whole document (see [`Decoder`]).
pub fn decode_document(text: &str) -> Result<Vec<Value>> {
    Decoder::from_bytes(text.as_bytes()).collect()
}

/// Decodes one value element without the `<Objs>` wrapper, ignoring namespaces (remoting
/// message bodies, pipeline output fragments): `<Obj RefId="0">…</Obj>`, `<S>x</S>`, …
pub fn decode_fragment(xml: &str) -> Result<Value> {
    decode_fragment_bytes(xml.as_bytes(), Limits::default())
}

/// [`decode_fragment`] over bytes (UTF-8 with or without BOM, or UTF-16 with BOM), e.g. a
/// PSRP message's data field, with explicit limits.
pub fn decode_fragment_bytes(xml: &[u8], limits: Limits) -> Result<Value> {
    let mut parser = Parser::new(InMemory::new(xml), limits);
    let mut value = None;
    loop {
        match parser.tok.next()? {
            Token::Text(span) | Token::CData(span) => {
                if !parser.tok.bytes(&span).iter().all(|&b| is_space(b)) {
                    return Err(parser.tok.error(ErrorKind::UnexpectedText));
                }
            }
            Token::Start { name, empty } if value.is_none() => {
                let start = parser.start(&name, empty, false)?;
                value = Some(parser.value(start, 0)?);
            }
            Token::Start { .. } | Token::End { .. } => {
                return Err(parser.tok.error(ErrorKind::TrailingContent));
            }
            Token::Eof => return value.ok_or_else(|| parser.tok.error(ErrorKind::UnexpectedEof)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Member;
    use std::sync::Arc;

    #[test]
    fn streams_top_level_values_across_headers_and_documents() {
        let ns = r#"xmlns="http://schemas.microsoft.com/powershell/2004/04""#;
        let text = format!(
            "#< CLIXML\r\n#< CLIXML\n<?xml version=\"1.0\"?><Objs Version=\"1.1.0.1\" {ns}>\n  <S S=\"Error\">a</S>\n  <I32>1</I32>\n</Objs>\n#< CLIXML\n<Objs Version=\"1.1.0.1\" {ns}><Nil /></Objs><Objs {ns}/>"
        );
        let values = decode_document(&text).unwrap();
        assert_eq!(values, [Value::Str("a".into()), Value::I32(1), Value::Nil]);
    }

    #[test]
    fn refuses_missing_root_bad_version_and_trailing_garbage() {
        let kind = |t: &str| decode_document(t).unwrap_err().kind;
        assert_eq!(kind(""), ErrorKind::MissingRoot);
        assert_eq!(kind("<S>x</S>"), ErrorKind::MissingRoot);
        assert_eq!(
            kind("<Objs Version=\"2.0\"/>"),
            ErrorKind::Version("2.0".into())
        );
        assert_eq!(kind("<Objs><S>x</S></Objs>junk"), ErrorKind::UnexpectedText);
        assert_eq!(kind("<Objs><S>x</S>"), ErrorKind::UnexpectedEof);
        assert_eq!(decode_document("<Objs></Objs>").unwrap(), []);
    }

    #[test]
    fn skips_unknown_obj_children_only_in_newer_minor_versions() {
        let doc = |v: &str| {
            format!(
                "<Objs Version=\"{v}\"><Obj RefId=\"0\"><Future><x/></Future><ToString>t</ToString></Obj></Objs>"
            )
        };
        let values = decode_document(&doc("1.2")).unwrap();
        assert!(matches!(&values[0], Value::Object(o) if o.to_string.as_deref() == Some("t")));
        assert_eq!(
            decode_document(&doc("1.1.0.1")).unwrap_err().kind,
            ErrorKind::UnknownElement("Future".into())
        );
    }

    /// Job output joined into one document: each object redefines type-name list 0.
    #[test]
    fn a_type_name_list_redefined_unchanged_is_the_list_already_known() {
        let obj = |names: &str| format!("<Obj><TN RefId=\"0\">{names}</TN></Obj>");
        let doc = format!(
            "<Objs>{}{}{}<Obj><TNRef RefId=\"0\" /></Obj></Objs>",
            obj("<T>A</T><T>System.Object</T>"),
            obj("<T>A</T><T>System.Object</T>"),
            obj("<T>B</T>"),
        );
        let lists: Vec<_> = decode_document(&doc)
            .unwrap()
            .into_iter()
            .map(|value| match value {
                Value::Object(o) => o.type_names.unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(Arc::ptr_eq(&lists[0], &lists[1]));
        assert_eq!(lists[2][..], ["B".to_owned()]);
        assert!(
            Arc::ptr_eq(&lists[2], &lists[3]),
            "a TNRef names the latest definition"
        );
    }

    /// Joined job output again: every object redefines RefId 0, and nested RefIds repeat too.
    #[test]
    fn a_redefined_ref_id_takes_over_the_id_of_the_object_it_replaces() {
        let fragment = "<Obj RefId=\"0\"><MS><Obj N=\"A\" RefId=\"1\" /><Ref N=\"B\" RefId=\"1\" /></MS></Obj>";
        let doc = format!("<Objs>{fragment}{fragment}<Ref RefId=\"0\" /></Objs>");
        let values = decode_document(&doc).unwrap();
        for value in &values[..2] {
            let Value::Object(o) = value else {
                panic!("{value:?}")
            };
            assert_eq!(o.id, Some(0));
            match &o.extended[..] {
                [
                    Member::Property(_, Value::Object(a)),
                    Member::Property(_, b),
                ] => {
                    assert_eq!((a.id, b), (Some(1), &Value::Ref(1)));
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(values[2], Value::Ref(0), "the latest object that had id 0");
    }

    #[test]
    fn fragment_is_one_value_without_root() {
        assert_eq!(
            decode_fragment("\u{FEFF}<S>x</S>\n").unwrap(),
            Value::Str("x".into())
        );
        assert_eq!(
            decode_fragment("<p:S xmlns:p=\"urn:x\">y</p:S>").unwrap(),
            Value::Str("y".into())
        );
        assert_eq!(
            decode_fragment("<S>x</S><S>y</S>").unwrap_err().kind,
            ErrorKind::TrailingContent
        );
        assert_eq!(
            decode_fragment("  ").unwrap_err().kind,
            ErrorKind::UnexpectedEof
        );
    }
}
