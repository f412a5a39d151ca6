//! Element-level decoding: turns tokens into [`Value`]s, resolving `TNRef`/`Ref` within the
//! current RefId scope and enforcing the depth/object/reference limits. Recursion depth is
//! bounded by `Limits::depth()`, so hostile nesting is refused before the stack is at risk.

use crate::error::{Error, ErrorKind, Result};
use crate::escape::{TextKind, decode_name, unescape_xml};
use crate::limits::Limits;
use crate::number::{
    parse_bool, parse_decimal, parse_float, parse_signed, parse_unsigned, parse_version, trim_xml,
};
use crate::plain::{TextShape, closes, indent, plain_start, plain_text, utf8};
use crate::referenced::Referenced;
use crate::scope::{IdTable, RefKey};
use crate::source::Input;
use crate::tag::Tag;
use crate::time::{parse_datetime, parse_duration};
use crate::tokenizer::{Span, Token, Tokenizer, is_space};
use crate::value::{Base, ListKind, Member, ObjId, Object, ProgressRecord, Value};
use base64::Engine;
use std::borrow::Cow;
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
    pub(crate) version: Option<Box<str>>,
    /// The element name as written, kept only for unknown tags (error messages).
    pub(crate) unknown: Option<Box<str>>,
}

impl Start {
    /// A start tag of `tag`, named `raw`, its attributes not yet read.
    fn new(tag: Tag, raw: &[u8], empty: bool, pos: u64) -> Start {
        Start {
            tag,
            empty,
            pos,
            name: None,
            ref_id: None,
            version: None,
            unknown: (tag == Tag::Unknown).then(|| String::from_utf8_lossy(raw).into()),
        }
    }
}

/// Text content of an element, before `_x` decoding.
enum Text {
    /// One contiguous raw span (the common case; no copy until converted), with what is known
    /// of its shape.
    Span(Span, TextShape),
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

pub(crate) struct Parser<I> {
    pub(crate) tok: Tokenizer<I>,
    limits: Limits,
    scope: Scope,
    /// Set for documents whose minor version is above 1: PowerShell then skips unknown
    /// children of `<Obj>` instead of failing.
    pub(crate) skip_unknown: bool,
    /// Objects whose `RefId` no `Ref` may name get no id (see [`Referenced`]).
    pub(crate) referenced: Referenced,
}

impl<I: Input> Parser<I> {
    pub(crate) fn new(input: I, limits: Limits) -> Self {
        Parser {
            tok: Tokenizer::new(input, limits.max_bytes, limits.max_string),
            limits,
            scope: Scope::default(),
            skip_unknown: false,
            referenced: Referenced::any(),
        }
    }

    /// Starts a new RefId scope (a new `<Objs>` document).
    pub(crate) fn reset_scope(&mut self) {
        self.scope = Scope::default();
        self.skip_unknown = false;
    }

    /// The start tag the tokenizer returned last. `N` is decoded only if `want_name` (only
    /// members use it), though checked in any case.
    pub(crate) fn start(&self, name: &Span, empty: bool, want_name: bool) -> Result<Start> {
        let pos = self.tok.position();
        let raw = self.tok.bytes(name);
        let mut start = Start::new(Tag::from_name(raw), raw, empty, pos);
        let at = |kind| Error::new(kind, pos);
        for attr in self.tok.attributes() {
            let (key, raw_value) = attr.map_err(at)?;
            let value = || unescape_xml(raw_value, TextKind::Attribute).map_err(at);
            match key {
                b"N" => {
                    let value = value()?;
                    let name = decode_name(&value);
                    start.name = want_name.then(|| name.into_owned());
                }
                // Plain digits, what PowerShell writes, need no unescaping.
                b"RefId" if raw_value.iter().all(u8::is_ascii_digit) => {
                    start.ref_id = Some(RefKey::from_digits(raw_value));
                }
                b"RefId" => start.ref_id = Some(RefKey::parse(&value()?)),
                b"Version" => start.version = Some(value()?.into()),
                _ => {}
            }
        }
        Ok(start)
    }

    /// The next child element of `parent`, or `None` once `parent`'s end tag is read.
    /// Whitespace between elements is skipped; other text is an error.
    pub(crate) fn child(&mut self, parent: Tag) -> Result<Option<Start>> {
        // Only members keep their names.
        let want_name = matches!(parent, Tag::Props | Tag::MS);
        if let Some(found) = self.plain_child(parent, want_name) {
            return Ok(found);
        }
        loop {
            self.tok.skip_indent();
            match self.tok.next()? {
                Token::Text(span) | Token::CData(span) => {
                    if !self.tok.bytes(&span).iter().all(|&b| is_space(b)) {
                        return Err(self.tok.error(ErrorKind::UnexpectedText));
                    }
                }
                Token::Start { name, empty } => {
                    return self.start(&name, empty, want_name).map(Some);
                }
                Token::End { name } => {
                    self.check_end(&name, parent)?;
                    return Ok(None);
                }
                Token::Eof => return Err(self.tok.error(ErrorKind::UnexpectedEof)),
            }
        }
    }

    /// [`Parser::child`] for indentation and then `</parent>` or a plain start tag, wholly in
    /// the window; `None` (nothing consumed) for anything else.
    fn plain_child(&mut self, parent: Tag, want_name: bool) -> Option<Option<Start>> {
        let rest = self.tok.rest();
        let at = indent(rest);
        let tag = &rest[at..];
        if tag.first() != Some(&b'<') {
            return None;
        }
        if tag.get(1) == Some(&b'/') {
            let len = closes(tag, 0, parent)?;
            if !self.tok.fits(len) {
                return None;
            }
            self.tok.consume(at, at + len);
            return Some(None);
        }
        let plain = plain_start(tag)?;
        if !self.tok.fits(plain.len) {
            return None;
        }
        let pos = self.tok.rest_offset(at);
        let mut start = Start::new(plain.tag, plain.name, plain.empty, pos);
        if let Some((n, shape)) = plain.n {
            // Not UTF-8: the general path reports it.
            start.name = plain_name(utf8(n, shape)?, shape, want_name);
        }
        if let Some(id) = plain.ref_id {
            start.ref_id = Some(if id.iter().all(u8::is_ascii_digit) {
                RefKey::from_digits(id)
            } else {
                RefKey::parse(std::str::from_utf8(id).ok()?)
            });
        }
        if let Some(version) = plain.version {
            start.version = Some(std::str::from_utf8(version).ok()?.into());
        }
        self.tok.consume(at, at + plain.len);
        Some(Some(start))
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
        if let Some((len, shape, end)) = plain_text(self.tok.rest(), s.tag)
            && self.tok.fits(len)
            && self.tok.fits(end - len)
        {
            let span = self.tok.rest_offset(0)..self.tok.rest_offset(len);
            self.tok.consume(len, end);
            return Ok(Text::Span(span, shape));
        }
        if let Some(span) = self.tok.simple_text(s.tag.name().as_bytes()) {
            return Ok(Text::Span(span, TextShape::UNKNOWN));
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
                        (Some(span), None) => Text::Span(span, TextShape::UNKNOWN),
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

    /// The entity-resolved and `_x`-decoded text, borrowed from the window where possible.
    /// `decode` is false for the elements whose text is not `_x`-encoded.
    fn text_str<'a>(&'a self, text: &'a Text, pos: u64, decode: bool) -> Result<Cow<'a, str>> {
        match text {
            Text::Span(span, shape) => resolve_text(self.tok.bytes(span), *shape, pos, decode),
            Text::Owned(s) if decode => Ok(decode_name(s)),
            Text::Owned(s) => Ok(Cow::Borrowed(s)),
        }
    }

    /// An `_x`-encoded string element (`S`, `ToString`, `T`, `URI`, …).
    fn string(&mut self, s: &Start) -> Result<String> {
        let text = self.text(s)?;
        Ok(self.text_str(&text, s.pos, true)?.into_owned())
    }

    /// Text parsed by `f`; `None` from `f` is an `InvalidValue` error.
    fn parse<T>(&mut self, s: &Start, f: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        let text = self.text(s)?;
        let resolved = self.text_str(&text, s.pos, false)?;
        parsed(s.tag, &resolved, s.pos, f)
    }

    /// A primitive element holding text, `<X( N="…")?>text</X>`, whole in the window and as
    /// PowerShell writes it: decoded in one go, with its `N` if `want_name`, without the
    /// general path's separate steps. `None` (nothing consumed) for anything else, a missing
    /// wanted name included.
    fn plain_leaf(&mut self, want_name: bool) -> Option<Result<(Option<String>, Value)>> {
        self.tok.skip_indent();
        let tag = self.tok.rest();
        // End tags and markup other than start tags are left to `child` at once.
        if tag.first() != Some(&b'<') || matches!(tag.get(1), Some(b'/' | b'!' | b'?')) {
            return None;
        }
        let start = plain_start(tag)?;
        if start.empty || !holds_text(start.tag) || start.version.is_some() {
            return None;
        }
        let body = &tag[start.len..];
        let (len, shape, end) = plain_text(body, start.tag)?;
        if !self.tok.fits(start.len) || !self.tok.fits(len) || !self.tok.fits(end - len) {
            return None;
        }
        let name = match start.n {
            // Not UTF-8: the general path reports it.
            Some((n, n_shape)) => plain_name(utf8(n, n_shape)?, n_shape, want_name),
            None => None,
        };
        if want_name && name.is_none() {
            return None;
        }
        let pos = self.tok.rest_offset(0);
        let value = resolve_text(&body[..len], shape, pos, is_encoded(start.tag))
            .and_then(|text| text_value(start.tag, text, pos));
        self.tok.consume(start.len + len, start.len + end);
        Some(value.map(|value| (name, value)))
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
        if s.tag == Tag::Nil {
            self.end_empty(&s)?;
            return Ok(Value::Nil);
        }
        if !holds_text(s.tag) {
            return Err(unexpected(s, "a value element"));
        }
        let text = self.text(&s)?;
        let resolved = self.text_str(&text, s.pos, is_encoded(s.tag))?;
        text_value(s.tag, resolved, s.pos)
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
        if let Some(key) = s.ref_id.filter(|key| self.referenced.may_name(key)) {
            // A redefined RefId takes over the id of the object it replaces, which no later
            // Ref can name: a reader keeping objects by id (the module) then lets that one go.
            // Job output joined into one document redefines the same RefIds in every object.
            obj.id = Some(match self.scope.objects.get(&key) {
                Some(&id) => id,
                None => {
                    let id = self.scope.next_id;
                    self.scope.next_id += 1;
                    self.scope.objects.insert(key, id);
                    id
                }
            });
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
        let Some(key) = s.ref_id else {
            return Ok(names.into());
        };
        // Job output joined into one document repeats each object's own fragment, so every
        // object redefines RefId 0 with the same names: the list already known is kept, and
        // readers that key lists by identity (the FFI batch writer) hold one list, not one per
        // object.
        if let Some(known) = self.scope.types.get(&key)
            && known[..] == names[..]
        {
            return Ok(Arc::clone(known));
        }
        let names: Arc<[String]> = names.into();
        self.scope.types.insert(key, Arc::clone(&names));
        Ok(names)
    }

    /// `Props` children: named values.
    fn properties(&mut self, s: Start, depth: usize, out: &mut Vec<(String, Value)>) -> Result<()> {
        if s.empty {
            return Ok(());
        }
        loop {
            if let Some(leaf) = self.plain_leaf(true) {
                if let (Some(name), value) = leaf? {
                    out.push((name, value));
                }
                continue;
            }
            let Some(mut c) = self.child(Tag::Props)? else {
                return Ok(());
            };
            let name = c
                .name
                .take()
                .ok_or_else(|| missing(&c, "Props child", "N"))?;
            out.push((name, self.value(c, depth)?));
        }
    }

    /// `MS` children: named values and nested named member sets.
    fn members(&mut self, s: Start, depth: usize, out: &mut Vec<Member>) -> Result<()> {
        if s.empty {
            return Ok(());
        }
        loop {
            if let Some(leaf) = self.plain_leaf(true) {
                if let (Some(name), value) = leaf? {
                    out.push(Member::Property(name, value));
                }
                continue;
            }
            let Some(mut c) = self.child(Tag::MS)? else {
                return Ok(());
            };
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
    }

    /// The value of the next child element of `parent`, or `None` once `parent`'s end tag is
    /// read.
    fn child_value(&mut self, parent: Tag, depth: usize) -> Result<Option<Value>> {
        if let Some(leaf) = self.plain_leaf(false) {
            return leaf.map(|(_, value)| Some(value));
        }
        match self.child(parent)? {
            Some(c) => self.value(c, depth).map(Some),
            None => Ok(None),
        }
    }

    fn list(&mut self, s: Start, depth: usize) -> Result<Vec<Value>> {
        self.check_depth(depth, s.pos)?;
        let mut items = Vec::new();
        if s.empty {
            return Ok(items);
        }
        while let Some(item) = self.child_value(s.tag, depth)? {
            items.push(item);
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
            let key = self.child_value(Tag::En, depth)?.ok_or_else(incomplete)?;
            let value = self.child_value(Tag::En, depth)?.ok_or_else(incomplete)?;
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

/// A plain `N` value, decoded if `want` (it is checked to be UTF-8 in any case).
fn plain_name(n: &str, shape: TextShape, want: bool) -> Option<String> {
    want.then(|| {
        if shape.has_underscore() {
            decode_name(n).into_owned()
        } else {
            n.to_owned()
        }
    })
}

/// Whether `tag` is a primitive whose value is its text (all but `Nil`, which is empty).
fn holds_text(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::S
            | Tag::URI
            | Tag::XD
            | Tag::SBK
            | Tag::SS
            | Tag::C
            | Tag::B
            | Tag::DT
            | Tag::TS
            | Tag::By
            | Tag::SB
            | Tag::U16
            | Tag::I16
            | Tag::U32
            | Tag::I32
            | Tag::U64
            | Tag::I64
            | Tag::Sg
            | Tag::Db
            | Tag::D
            | Tag::Version
            | Tag::BA
            | Tag::G
    )
}

/// Whether `tag`'s text is `_x`-encoded (the string primitives; `SS` is opaque).
fn is_encoded(tag: Tag) -> bool {
    matches!(tag, Tag::S | Tag::URI | Tag::XD | Tag::SBK)
}

/// Raw element text, entity-resolved (and `_x`-decoded if `decode`), borrowed where nothing
/// changes; errors are reported at `pos`, the element's start.
fn resolve_text(raw: &[u8], shape: TextShape, pos: u64, decode: bool) -> Result<Cow<'_, str>> {
    let resolved = if shape.has_entities() {
        unescape_xml(raw, TextKind::Content).map_err(|k| Error::new(k, pos))?
    } else {
        Cow::Borrowed(utf8(raw, shape).ok_or_else(|| Error::new(ErrorKind::Encoding, pos))?)
    };
    if !decode || !shape.has_underscore() {
        return Ok(resolved);
    }
    Ok(match resolved {
        Cow::Borrowed(s) => decode_name(s),
        Cow::Owned(s) => Cow::Owned(decode_name(&s).into_owned()),
    })
}

/// `text` parsed by `f` for an element `tag` at `pos`; `None` from `f` is an `InvalidValue`
/// error.
fn parsed<T>(tag: Tag, text: &str, pos: u64, f: impl FnOnce(&str) -> Option<T>) -> Result<T> {
    f(text).ok_or_else(|| {
        let shown: String = text.chars().take(64).collect();
        Error::new(
            ErrorKind::InvalidValue {
                element: tag.name(),
                text: shown,
            },
            pos,
        )
    })
}

/// The value of a primitive `tag` (one that [`holds_text`]) from its resolved text.
fn text_value(tag: Tag, text: Cow<'_, str>, pos: u64) -> Result<Value> {
    let t = &*text;
    Ok(match tag {
        Tag::C => Value::Char(parsed(tag, t, pos, parse_unsigned)?),
        Tag::B => Value::Bool(parsed(tag, t, pos, parse_bool)?),
        Tag::DT => Value::DateTime(parsed(tag, t, pos, parse_datetime)?),
        Tag::TS => Value::Duration(parsed(tag, t, pos, parse_duration)?),
        Tag::By => Value::U8(parsed(tag, t, pos, parse_unsigned)?),
        Tag::SB => Value::I8(parsed(tag, t, pos, parse_signed)?),
        Tag::U16 => Value::U16(parsed(tag, t, pos, parse_unsigned)?),
        Tag::I16 => Value::I16(parsed(tag, t, pos, parse_signed)?),
        Tag::U32 => Value::U32(parsed(tag, t, pos, parse_unsigned)?),
        Tag::I32 => Value::I32(parsed(tag, t, pos, parse_signed)?),
        Tag::U64 => Value::U64(parsed(tag, t, pos, parse_unsigned)?),
        Tag::I64 => Value::I64(parsed(tag, t, pos, parse_signed)?),
        Tag::Sg => Value::Single(parsed(tag, t, pos, parse_float)?),
        Tag::Db => Value::Double(parsed(tag, t, pos, parse_float)?),
        Tag::D => Value::Decimal(parsed(tag, t, pos, |t| {
            parse_decimal(t).map(str::to_owned)
        })?),
        Tag::Version => Value::Version(parsed(tag, t, pos, |t| {
            parse_version(t).map(str::to_owned)
        })?),
        Tag::BA => Value::Bytes(parsed(tag, t, pos, parse_base64)?),
        Tag::G => Value::Guid(parsed(tag, t, pos, parse_guid)?),
        Tag::URI => Value::Uri(text.into_owned()),
        Tag::XD => Value::XmlDocument(text.into_owned()),
        Tag::SBK => Value::ScriptBlock(text.into_owned()),
        Tag::SS => Value::SecureString(text.into_owned()),
        // `S`, and (never reached: callers check `holds_text`) anything else.
        _ => Value::Str(text.into_owned()),
    })
}

fn unexpected(s: Start, expected: &'static str) -> Error {
    let kind = match s.unknown {
        Some(name) => ErrorKind::UnknownElement(name.into()),
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
