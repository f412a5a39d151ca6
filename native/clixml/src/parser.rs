//! Element-level decoding: turns tokens into [`Value`]s, resolving `TNRef`/`Ref` within the
//! current RefId scope and enforcing the depth/object/reference limits. Recursion depth is
//! bounded by `Limits::depth()`, so hostile nesting is refused before the stack is at risk.

use crate::error::{Error, ErrorKind, Result};
use crate::escape::{TextKind, decode_name, unescape_xml};
use crate::limits::Limits;
use crate::number::{
    parse_bool, parse_decimal, parse_float, parse_signed, parse_unsigned, parse_version, trim_xml,
};
use crate::scope::{IdTable, RefKey};
use crate::tag::Tag;
use crate::time::{parse_datetime, parse_duration};
use crate::tokenizer::{Span, Token, Tokenizer, is_space};
use crate::value::{Base, ListKind, Member, ObjId, Object, ProgressRecord, Value};
use base64::Engine;
use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

/// A start tag with the attributes CliXml gives meaning to.
pub(crate) struct Start {
    pub(crate) tag: Tag,
    pub(crate) empty: bool,
    pub(crate) pos: u64,
    /// `N`, `_x`-decoded.
    pub(crate) name: Option<String>,
    pub(crate) ref_id: Option<RefKey>,
    /// `Version` (on `Objs`).
    pub(crate) version: Option<String>,
    /// The element name as written, kept only for unknown tags (error messages).
    pub(crate) unknown: Option<String>,
}

/// Text content of an element, before `_x` decoding.
enum Text {
    /// One contiguous raw span (the common case; no copy until converted).
    Span(Span),
    /// Already entity-resolved (text split by comments or CDATA).
    Owned(String),
}

#[derive(Default)]
struct Scope {
    objects: IdTable<ObjId>,
    types: IdTable<Arc<[String]>>,
    next_id: ObjId,
    object_count: usize,
    ref_count: usize,
}

pub(crate) struct Parser<R> {
    pub(crate) tok: Tokenizer<R>,
    limits: Limits,
    scope: Scope,
    /// Set for documents whose minor version is above 1: PowerShell then skips unknown
    /// children of `<Obj>` instead of failing.
    pub(crate) skip_unknown: bool,
}

impl<R: BufRead> Parser<R> {
    pub(crate) fn new(input: R, limits: Limits) -> Self {
        Parser {
            tok: Tokenizer::new(input, limits.max_bytes, limits.max_string),
            limits,
            scope: Scope::default(),
            skip_unknown: false,
        }
    }

    /// Starts a new RefId scope (a new `<Objs>` document).
    pub(crate) fn reset_scope(&mut self) {
        self.scope = Scope::default();
        self.skip_unknown = false;
    }

    /// The start tag the tokenizer returned last.
    pub(crate) fn start(&self, name: &Span, empty: bool) -> Result<Start> {
        let pos = self.tok.position();
        let raw = self.tok.bytes(name);
        let tag = Tag::from_name(raw);
        let mut start = Start {
            tag,
            empty,
            pos,
            name: None,
            ref_id: None,
            version: None,
            unknown: None,
        };
        if tag == Tag::Unknown {
            start.unknown = Some(String::from_utf8_lossy(raw).into_owned());
        }
        let at = |kind| Error::new(kind, pos);
        for attr in self.tok.attributes() {
            let (key, raw_value) = attr.map_err(at)?;
            let value = || unescape_xml(raw_value, TextKind::Attribute).map_err(at);
            match key {
                b"N" => start.name = Some(decode_name(&value()?).into_owned()),
                // Plain digits, what PowerShell writes, need no unescaping.
                b"RefId" if raw_value.iter().all(u8::is_ascii_digit) => {
                    start.ref_id = Some(RefKey::from_digits(raw_value));
                }
                b"RefId" => start.ref_id = Some(RefKey::parse(&value()?)),
                b"Version" => start.version = Some(value()?.into_owned()),
                _ => {}
            }
        }
        Ok(start)
    }

    /// The next child element of `parent`, or `None` once `parent`'s end tag is read.
    /// Whitespace between elements is skipped; other text is an error.
    pub(crate) fn child(&mut self, parent: Tag) -> Result<Option<Start>> {
        loop {
            self.tok.skip_indent();
            match self.tok.next()? {
                Token::Text(span) | Token::CData(span) => {
                    if !self.tok.bytes(&span).iter().all(|&b| is_space(b)) {
                        return Err(self.tok.error(ErrorKind::UnexpectedText));
                    }
                }
                Token::Start { name, empty } => {
                    return self.start(&name, empty).map(Some);
                }
                Token::End { name } => {
                    self.check_end(&name, parent)?;
                    return Ok(None);
                }
                Token::Eof => return Err(self.tok.error(ErrorKind::UnexpectedEof)),
            }
        }
    }

    fn check_end(&self, name: &Span, expected: Tag) -> Result<()> {
        let raw = self.tok.bytes(name);
        if expected.closed_by(raw) {
            return Ok(());
        }
        let found = String::from_utf8_lossy(raw).into_owned();
        Err(self.tok.error(ErrorKind::MismatchedEnd {
            found,
            expected: expected.name().to_owned(),
        }))
    }

    /// Reads the text content of `s` up to and including its end tag.
    fn text(&mut self, s: &Start) -> Result<Text> {
        if s.empty {
            return Ok(Text::Owned(String::new()));
        }
        if let Some(span) = self.tok.simple_text(s.tag.name().as_bytes()) {
            return Ok(Text::Span(span));
        }
        let mut first: Option<Span> = None;
        let mut owned: Option<String> = None;
        loop {
            // Keep the first span readable while the end tag is fetched.
            self.tok.pin(first.as_ref().map(|f| f.start));
            let token = self.tok.next();
            self.tok.pin(None);
            let piece = match token? {
                Token::End { name } => {
                    self.check_end(&name, s.tag)?;
                    return Ok(match (first, owned) {
                        (_, Some(text)) => Text::Owned(text),
                        (Some(span), None) => Text::Span(span),
                        (None, None) => Text::Owned(String::new()),
                    });
                }
                Token::Text(span) if first.is_none() && owned.is_none() => {
                    first = Some(span);
                    continue;
                }
                Token::Text(span) => self.resolve(&span, TextKind::Content)?,
                Token::CData(span) => {
                    let raw = self.tok.bytes(&span);
                    Cow::Borrowed(
                        std::str::from_utf8(raw)
                            .map_err(|_| self.tok.error(ErrorKind::Encoding))?,
                    )
                }
                Token::Start { name, .. } => {
                    let found = String::from_utf8_lossy(self.tok.bytes(&name)).into_owned();
                    return Err(self.tok.error(ErrorKind::UnexpectedElement {
                        found,
                        expected: "text",
                    }));
                }
                Token::Eof => return Err(self.tok.error(ErrorKind::UnexpectedEof)),
            }
            .into_owned();
            let mut text = match (owned.take(), first.take()) {
                (Some(text), _) => text,
                (None, Some(span)) => self.resolve(&span, TextKind::Content)?.into_owned(),
                (None, None) => String::new(),
            };
            if text.len() + piece.len() > self.limits.max_string {
                return Err(Error::new(
                    ErrorKind::StringLimit(self.limits.max_string),
                    s.pos,
                ));
            }
            text.push_str(&piece);
            owned = Some(text);
        }
    }

    fn resolve(&self, span: &Span, kind: TextKind) -> Result<Cow<'_, str>> {
        unescape_xml(self.tok.bytes(span), kind).map_err(|k| self.tok.error(k))
    }

    /// The entity-resolved text, borrowed from the window where possible.
    fn text_str<'a>(&'a self, text: &'a Text, pos: u64) -> Result<Cow<'a, str>> {
        match text {
            Text::Span(span) => unescape_xml(self.tok.bytes(span), TextKind::Content)
                .map_err(|k| Error::new(k, pos)),
            Text::Owned(s) => Ok(Cow::Borrowed(s)),
        }
    }

    /// An `_x`-encoded string element (`S`, `ToString`, `T`, `URI`, …).
    fn string(&mut self, s: &Start) -> Result<String> {
        let text = self.text(s)?;
        let resolved = self.text_str(&text, s.pos)?;
        Ok(decode_name(&resolved).into_owned())
    }

    /// Text parsed by `f`; `None` from `f` is an `InvalidValue` error.
    fn parse<T>(&mut self, s: &Start, f: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        let text = self.text(s)?;
        let resolved = self.text_str(&text, s.pos)?;
        f(&resolved).ok_or_else(|| {
            let shown: String = resolved.chars().take(64).collect();
            Error::new(
                ErrorKind::InvalidValue {
                    element: s.tag.name(),
                    text: shown,
                },
                s.pos,
            )
        })
    }

    /// An element that must have no content (`Nil`, `Ref`, `TNRef`).
    fn end_empty(&mut self, s: &Start) -> Result<()> {
        if s.empty {
            return Ok(());
        }
        match self.child(s.tag)? {
            None => Ok(()),
            Some(c) => Err(unexpected(c, "an empty element")),
        }
    }

    fn check_depth(&self, depth: usize, pos: u64) -> Result<()> {
        let max = self.limits.depth();
        if depth > max {
            Err(Error::new(ErrorKind::DepthLimit(max), pos))
        } else {
            Ok(())
        }
    }

    /// Any value element: a primitive, `Nil`, `Ref`, `Obj` or `PR`.
    pub(crate) fn value(&mut self, s: Start, depth: usize) -> Result<Value> {
        match s.tag {
            Tag::Obj => self.object(s, depth + 1),
            Tag::Ref => self.reference(s).map(Value::Ref),
            Tag::PR => self.progress(s, depth),
            _ => self.primitive(s),
        }
    }

    /// Primitive elements and `Nil`. Kept out of line: its many arms would otherwise swell
    /// the stack frame of every level of the `value`/`object` recursion.
    #[inline(never)]
    fn primitive(&mut self, s: Start) -> Result<Value> {
        Ok(match s.tag {
            Tag::S => Value::Str(self.string(&s)?),
            Tag::URI => Value::Uri(self.string(&s)?),
            Tag::XD => Value::XmlDocument(self.string(&s)?),
            Tag::SBK => Value::ScriptBlock(self.string(&s)?),
            Tag::SS => Value::SecureString(self.parse(&s, |t| Some(t.to_owned()))?),
            Tag::C => Value::Char(self.parse(&s, parse_unsigned)?),
            Tag::B => Value::Bool(self.parse(&s, parse_bool)?),
            Tag::DT => Value::DateTime(self.parse(&s, parse_datetime)?),
            Tag::TS => Value::Duration(self.parse(&s, parse_duration)?),
            Tag::By => Value::U8(self.parse(&s, parse_unsigned)?),
            Tag::SB => Value::I8(self.parse(&s, parse_signed)?),
            Tag::U16 => Value::U16(self.parse(&s, parse_unsigned)?),
            Tag::I16 => Value::I16(self.parse(&s, parse_signed)?),
            Tag::U32 => Value::U32(self.parse(&s, parse_unsigned)?),
            Tag::I32 => Value::I32(self.parse(&s, parse_signed)?),
            Tag::U64 => Value::U64(self.parse(&s, parse_unsigned)?),
            Tag::I64 => Value::I64(self.parse(&s, parse_signed)?),
            Tag::Sg => Value::Single(self.parse(&s, parse_float)?),
            Tag::Db => Value::Double(self.parse(&s, parse_float)?),
            Tag::D => Value::Decimal(self.parse(&s, |t| parse_decimal(t).map(str::to_owned))?),
            Tag::Version => {
                Value::Version(self.parse(&s, |t| parse_version(t).map(str::to_owned))?)
            }
            Tag::BA => Value::Bytes(self.parse(&s, parse_base64)?),
            Tag::G => Value::Guid(self.parse(&s, parse_guid)?),
            Tag::Nil => {
                self.end_empty(&s)?;
                Value::Nil
            }
            _ => return Err(unexpected(s, "a value element")),
        })
    }

    fn reference(&mut self, s: Start) -> Result<ObjId> {
        let key = s
            .ref_id
            .as_ref()
            .ok_or_else(|| missing(&s, "Ref", "RefId"))?;
        self.scope.ref_count += 1;
        if self.scope.ref_count > self.limits.max_refs {
            return Err(Error::new(ErrorKind::RefLimit(self.limits.max_refs), s.pos));
        }
        let id = *self
            .scope
            .objects
            .get(key)
            .ok_or_else(|| Error::new(ErrorKind::DanglingRef(key.to_string()), s.pos))?;
        self.end_empty(&s)?;
        Ok(id)
    }

    fn object(&mut self, s: Start, depth: usize) -> Result<Value> {
        self.check_depth(depth, s.pos)?;
        self.scope.object_count += 1;
        if self.scope.object_count > self.limits.max_objects || self.scope.next_id == ObjId::MAX {
            return Err(Error::new(
                ErrorKind::ObjectLimit(self.limits.max_objects),
                s.pos,
            ));
        }
        // Boxed up front: keeps this recursive frame small.
        let mut obj = Box::<Object>::default();
        // Registered before the children are read so that a Ref inside resolves (cycles).
        if let Some(key) = s.ref_id {
            let id = self.scope.next_id;
            self.scope.next_id += 1;
            self.scope.objects.insert(key, id);
            obj.id = Some(id);
        }
        if s.empty {
            return Ok(Value::Object(obj));
        }
        while let Some(c) = self.child(Tag::Obj)? {
            self.object_child(&mut obj, c, depth)?;
        }
        Ok(Value::Object(obj))
    }

    /// One child of `<Obj>`; out of line for the same stack-frame reason as `primitive`.
    #[inline(never)]
    fn object_child(&mut self, obj: &mut Object, c: Start, depth: usize) -> Result<()> {
        let pos = c.pos;
        let base = match c.tag {
            Tag::TN => {
                obj.type_names = Some(self.type_names(c)?);
                return Ok(());
            }
            Tag::TNRef => {
                let key = c
                    .ref_id
                    .as_ref()
                    .ok_or_else(|| missing(&c, "TNRef", "RefId"))?;
                let names =
                    self.scope.types.get(key).ok_or_else(|| {
                        Error::new(ErrorKind::DanglingTypeRef(key.to_string()), pos)
                    })?;
                obj.type_names = Some(Arc::clone(names));
                self.end_empty(&c)?;
                return Ok(());
            }
            Tag::ToString => {
                obj.to_string = Some(self.string(&c)?);
                return Ok(());
            }
            Tag::Props => {
                self.properties(c, depth, &mut obj.adapted)?;
                return Ok(());
            }
            Tag::MS => {
                self.members(c, depth, &mut obj.extended)?;
                return Ok(());
            }
            Tag::LST => Base::List(ListKind::List, self.list(c, depth + 1)?),
            Tag::IE => Base::List(ListKind::Enumerable, self.list(c, depth + 1)?),
            Tag::STK => Base::List(ListKind::Stack, self.list(c, depth + 1)?),
            Tag::QUE => Base::List(ListKind::Queue, self.list(c, depth + 1)?),
            Tag::DCT => Base::Dict(self.dict(c, depth + 1)?),
            Tag::Unknown if self.skip_unknown => {
                self.skip(c)?;
                return Ok(());
            }
            _ => Base::Value(self.value(c, depth)?),
        };
        if obj.base.replace(base).is_some() {
            return Err(Error::new(ErrorKind::DuplicateBase, pos));
        }
        Ok(())
    }

    fn type_names(&mut self, s: Start) -> Result<Arc<[String]>> {
        let mut names = Vec::new();
        if !s.empty {
            while let Some(c) = self.child(Tag::TN)? {
                if c.tag != Tag::T {
                    return Err(unexpected(c, "<T>"));
                }
                let name = self.string(&c)?;
                // PowerShell's reader skips empty entries.
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
        let names: Arc<[String]> = names.into();
        if let Some(key) = s.ref_id {
            self.scope.types.insert(key, Arc::clone(&names));
        }
        Ok(names)
    }

    /// `Props` children: named values.
    fn properties(&mut self, s: Start, depth: usize, out: &mut Vec<(String, Value)>) -> Result<()> {
        if s.empty {
            return Ok(());
        }
        while let Some(mut c) = self.child(Tag::Props)? {
            let name = c
                .name
                .take()
                .ok_or_else(|| missing(&c, "Props child", "N"))?;
            out.push((name, self.value(c, depth)?));
        }
        Ok(())
    }

    /// `MS` children: named values and nested named member sets.
    fn members(&mut self, s: Start, depth: usize, out: &mut Vec<Member>) -> Result<()> {
        if s.empty {
            return Ok(());
        }
        while let Some(mut c) = self.child(Tag::MS)? {
            let name = c.name.take().ok_or_else(|| missing(&c, "MS child", "N"))?;
            if c.tag == Tag::MS {
                self.check_depth(depth + 1, c.pos)?;
                let mut set = Vec::new();
                self.members(c, depth + 1, &mut set)?;
                out.push(Member::Set(name, set));
            } else {
                out.push(Member::Property(name, self.value(c, depth)?));
            }
        }
        Ok(())
    }

    fn list(&mut self, s: Start, depth: usize) -> Result<Vec<Value>> {
        self.check_depth(depth, s.pos)?;
        let mut items = Vec::new();
        if s.empty {
            return Ok(items);
        }
        let parent = s.tag;
        while let Some(c) = self.child(parent)? {
            items.push(self.value(c, depth)?);
        }
        Ok(items)
    }

    /// `DCT`: `En` entries of a key and a value (any value elements; the `N` names
    /// `Key`/`Value` are positional in practice and not enforced).
    fn dict(&mut self, s: Start, depth: usize) -> Result<Vec<(Value, Value)>> {
        self.check_depth(depth, s.pos)?;
        let mut entries = Vec::new();
        if s.empty {
            return Ok(entries);
        }
        while let Some(en) = self.child(Tag::DCT)? {
            if en.tag != Tag::En {
                return Err(unexpected(en, "<En>"));
            }
            let pos = en.pos;
            let incomplete = || Error::new(ErrorKind::Syntax("<En> needs a key and a value"), pos);
            if en.empty {
                return Err(incomplete());
            }
            let key = self.child(Tag::En)?.ok_or_else(incomplete)?;
            let key = self.value(key, depth)?;
            let value = self.child(Tag::En)?.ok_or_else(incomplete)?;
            let value = self.value(value, depth)?;
            if let Some(extra) = self.child(Tag::En)? {
                return Err(unexpected(extra, "</En>"));
            }
            entries.push((key, value));
        }
        Ok(entries)
    }

    /// `PR`: fixed child order (`SerializeProgressRecord`).
    fn progress(&mut self, s: Start, depth: usize) -> Result<Value> {
        let activity = self.expect(&s, Tag::AV).and_then(|c| self.string(&c))?;
        let activity_id = self
            .expect(&s, Tag::AI)
            .and_then(|c| self.parse(&c, parse_signed))?;
        let op = self.child(s.tag)?.ok_or_else(|| incomplete_pr(&s))?;
        let op_pos = op.pos;
        let current_operation = match self.value(op, depth)? {
            Value::Nil => None,
            Value::Str(text) => Some(text),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidValue {
                        element: "PR",
                        text: "CurrentOperation".into(),
                    },
                    op_pos,
                ));
            }
        };
        let parent_activity_id = self
            .expect(&s, Tag::PI)
            .and_then(|c| self.parse(&c, parse_signed))?;
        let percent_complete = self
            .expect(&s, Tag::PC)
            .and_then(|c| self.parse(&c, parse_signed))?;
        let record_type = self.expect(&s, Tag::T).and_then(|c| self.string(&c))?;
        let seconds_remaining = self
            .expect(&s, Tag::SR)
            .and_then(|c| self.parse(&c, parse_signed))?;
        let status_description = self.expect(&s, Tag::SD).and_then(|c| self.string(&c))?;
        if let Some(extra) = self.child(s.tag)? {
            return Err(unexpected(extra, "</PR>"));
        }
        Ok(Value::Progress(Box::new(ProgressRecord {
            activity,
            activity_id,
            current_operation,
            parent_activity_id,
            percent_complete,
            record_type,
            seconds_remaining,
            status_description,
        })))
    }

    fn expect(&mut self, parent: &Start, tag: Tag) -> Result<Start> {
        if parent.empty {
            return Err(incomplete_pr(parent));
        }
        match self.child(parent.tag)? {
            Some(c) if c.tag == tag => Ok(c),
            Some(c) => Err(unexpected(c, tag.name())),
            None => Err(incomplete_pr(parent)),
        }
    }

    /// Skips an element and its subtree (iteratively: its depth is not bounded).
    fn skip(&mut self, s: Start) -> Result<()> {
        let mut open = usize::from(!s.empty);
        while open > 0 {
            match self.tok.next()? {
                Token::Start { empty: false, .. } => open += 1,
                Token::End { .. } => open -= 1,
                Token::Eof => return Err(self.tok.error(ErrorKind::UnexpectedEof)),
                _ => {}
            }
        }
        Ok(())
    }
}

fn unexpected(s: Start, expected: &'static str) -> Error {
    let kind = match s.unknown {
        Some(name) => ErrorKind::UnknownElement(name),
        None => ErrorKind::UnexpectedElement {
            found: s.tag.name().to_owned(),
            expected,
        },
    };
    Error::new(kind, s.pos)
}

fn missing(s: &Start, element: &'static str, attribute: &'static str) -> Error {
    Error::new(ErrorKind::MissingAttribute { element, attribute }, s.pos)
}

fn incomplete_pr(s: &Start) -> Error {
    Error::new(ErrorKind::Syntax("incomplete <PR>"), s.pos)
}

/// `BA`: `Convert.FromBase64String` ignores whitespace.
fn parse_base64(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|&b| !is_space(b)).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// `G`: `new Guid(s)` formats D, N, B and P.
fn parse_guid(text: &str) -> Option<uuid::Uuid> {
    let t = trim_xml(text);
    let t = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(t);
    if t.starts_with("urn:") {
        return None;
    }
    uuid::Uuid::try_parse(t).ok()
}
