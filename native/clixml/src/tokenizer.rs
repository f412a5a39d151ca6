//! A pull tokenizer for the XML subset CliXml uses: start/end/empty tags with attributes,
//! text, CDATA; comments, processing instructions and the XML declaration are skipped, DTDs
//! refused. It reads through its input's window (for a stream, bounded by the largest token;
//! for a document in memory, the document itself) and reports absolute byte offsets.
//! Hand-written rather than a general XML reader because decode speed is a goal and CliXml
//! needs none of the rest.

use crate::error::{Error, ErrorKind, Result};
use crate::plain::{indent, scan_plain_tag};
use crate::scan::find_byte;
use crate::source::Input;
use std::ops::Range;

/// Absolute byte offsets into the input, valid until the next [`Tokenizer::next`] call
/// (or, for the pinned start, until the one after it).
pub(crate) type Span = Range<u64>;

pub(crate) enum Token {
    /// Its attributes are read through [`Tokenizer::attributes`].
    Start {
        name: Span,
        empty: bool,
    },
    End {
        name: Span,
    },
    /// Raw character data (entities not yet resolved).
    Text(Span),
    /// CDATA section content: literal text.
    CData(Span),
    Eof,
}

const CHUNK: usize = 64 * 1024;

pub(crate) struct Tokenizer<I> {
    input: I,
    /// Absolute offset of the window's first byte.
    base: u64,
    /// Read position within the window.
    pos: usize,
    eof: bool,
    /// Absolute offset the window must keep (a text span awaiting its end tag).
    pin: Option<u64>,
    /// Absolute offset of the start of the token returned last.
    token_start: u64,
    max_bytes: u64,
    max_token: usize,
    /// Attributes of the start tag returned last, split by the one-pass scan of a plain tag…
    attrs: Vec<(Span, Span)>,
    /// …or, for any other tag, its raw attribute text, split (and refused) on demand, so that
    /// a malformed tag the parser never looks into (skipped content) is not an error.
    raw_attrs: Option<Span>,
}

impl<I: Input> Tokenizer<I> {
    pub(crate) fn new(input: I, max_bytes: u64, max_token: usize) -> Self {
        Tokenizer {
            input,
            base: 0,
            pos: 0,
            eof: false,
            pin: None,
            token_start: 0,
            max_bytes,
            max_token,
            attrs: Vec::new(),
            raw_attrs: None,
        }
    }

    /// Offset of the token returned last.
    pub(crate) fn position(&self) -> u64 {
        self.token_start
    }

    pub(crate) fn error(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.token_start)
    }

    pub(crate) fn bytes(&self, span: &Span) -> &[u8] {
        let start = (span.start - self.base) as usize;
        let end = (span.end - self.base) as usize;
        &self.input.window()[start..end]
    }

    /// The `name="value"` pairs of the start tag returned last (raw values, entities unresolved).
    pub(crate) fn attributes(&self) -> impl Iterator<Item = Result<(&[u8], &[u8]), ErrorKind>> {
        let raw = self
            .raw_attrs
            .as_ref()
            .map_or(&[][..], |span| self.bytes(span));
        self.attrs
            .iter()
            .map(|(name, value)| Ok((self.bytes(name), self.bytes(value))))
            .chain(attributes(raw))
    }

    /// Keeps `offset..` in the window across the next `next()` call.
    pub(crate) fn pin(&mut self, offset: Option<u64>) {
        self.pin = offset;
    }

    pub(crate) fn next(&mut self) -> Result<Token> {
        loop {
            self.token_start = self.base + self.pos as u64;
            let avail = &self.input.window()[self.pos..];
            let Some(&first) = avail.first() else {
                if self.eof {
                    return Ok(Token::Eof);
                }
                self.more()?;
                continue;
            };
            if first != b'<' {
                match find_byte(b'<', avail) {
                    Some(len) => return self.emit(Token::Text, len, len),
                    None if self.eof => return self.emit(Token::Text, avail.len(), avail.len()),
                    None => {
                        self.more()?;
                        continue;
                    }
                }
            }
            // `<!` and `<?` constructs are told apart by up to 9 bytes; tags need no look-ahead.
            if matches!(avail.get(1), None | Some(b'!' | b'?')) && avail.len() < 9 && !self.eof {
                self.more()?;
                continue;
            }
            match self.markup()? {
                Some(token) => return Ok(token),
                None => continue,
            }
        }
    }

    /// The unread part of the window, for the fast paths of [`crate::plain`].
    pub(crate) fn rest(&self) -> &[u8] {
        &self.input.window()[self.pos..]
    }

    /// Absolute offset of `rest()[i]`.
    pub(crate) fn rest_offset(&self, i: usize) -> u64 {
        self.base + (self.pos + i) as u64
    }

    /// Whether a token of `len` bytes is within the size limit (fast paths leave larger ones
    /// to the general path, which reports them).
    pub(crate) fn fits(&self, len: usize) -> bool {
        len <= self.max_token
    }

    /// Consumes `rest()[..end]`, which a fast path read through to a token starting at
    /// `rest()[start]`: positions then stand as if [`Tokenizer::next`] had read that token.
    pub(crate) fn consume(&mut self, start: usize, end: usize) {
        self.token_start = self.base + (self.pos + start) as u64;
        self.pos += end;
    }

    /// Steps over whitespace that markup follows, as between the elements of a container: the
    /// callers that use this discard such text anyway, and skipping it here spares a token.
    /// Whitespace before anything else is left for [`Tokenizer::next`] to report as text.
    pub(crate) fn skip_indent(&mut self) {
        let avail = &self.input.window()[self.pos..];
        let n = indent(avail);
        if avail.get(n) == Some(&b'<') {
            self.pos += n;
        }
    }

    /// An element's content when it is plain text up to an end tag spelled exactly `</name>`,
    /// all in the window (how PowerShell writes every primitive): returns the text's span and
    /// consumes the end tag. `None` leaves everything to the general token loop.
    pub(crate) fn simple_text(&mut self, name: &[u8]) -> Option<Span> {
        let avail = &self.input.window()[self.pos..];
        let len = find_byte(b'<', avail)?;
        let end_tag = len + 2..len + 2 + name.len();
        let closed = avail.get(len + 1) == Some(&b'/')
            && avail.get(end_tag.clone()) == Some(name)
            && avail.get(end_tag.end) == Some(&b'>');
        if !closed || len > self.max_token || name.len() + 3 > self.max_token {
            return None;
        }
        let span = self.abs(0..len);
        self.token_start = span.end;
        self.pos += end_tag.end + 1;
        Some(span)
    }

    /// Handles the markup at `pos` (which is `<`). `None`: skipped, or more input needed.
    fn markup(&mut self) -> Result<Option<Token>> {
        let avail = &self.input.window()[self.pos..];
        let closing = |pat: &[u8], from: usize| {
            memchr::memmem::find(avail.get(from..).unwrap_or_default(), pat).map(|i| i + from)
        };
        let (token, consumed) = if avail.starts_with(b"<!--") {
            match closing(b"-->", 4) {
                Some(end) => (None, end + 3),
                None => return self.more().map(|()| None),
            }
        } else if avail.starts_with(b"<![CDATA[") {
            match closing(b"]]>", 9) {
                Some(end) => (Some(self.span_token(Token::CData, 9, end)), end + 3),
                None => return self.more().map(|()| None),
            }
        } else if avail.starts_with(b"<!") {
            return Err(self.error(ErrorKind::Dtd));
        } else if avail.starts_with(b"<?") {
            match closing(b"?>", 2) {
                Some(end) => (None, end + 2),
                None => return self.more().map(|()| None),
            }
        } else if avail.starts_with(b"</") {
            let Some(end) = find_byte(b'>', avail) else {
                return self.more().map(|()| None);
            };
            let name = trim(avail, 2, end);
            if name.is_empty() {
                return Err(self.error(ErrorKind::Syntax("empty end tag")));
            }
            (
                Some(Token::End {
                    name: self.abs(name),
                }),
                end + 1,
            )
        } else if let Some((name_end, len)) = {
            let at = self.base + self.pos as u64;
            self.attrs.clear();
            scan_plain_tag(avail, |name, value, _| {
                self.attrs.push((shifted(at, name), shifted(at, value)));
                Some(())
            })
        } {
            self.raw_attrs = None;
            let token = Token::Start {
                name: self.abs(1..name_end),
                empty: avail[len - 2] == b'/',
            };
            (Some(token), len)
        } else {
            let Some(end) = tag_end(avail) else {
                return self.more().map(|()| None);
            };
            let name_end = avail[1..end]
                .iter()
                .position(|&b| is_space(b) || b == b'/')
                .map_or(end, |i| i + 1);
            if name_end == 1 {
                return Err(self.error(ErrorKind::Syntax("missing element name")));
            }
            let (attrs, empty) = attribute_text(avail, name_end, end);
            self.attrs.clear();
            self.raw_attrs = Some(self.abs(attrs));
            let token = Token::Start {
                name: self.abs(1..name_end),
                empty,
            };
            (Some(token), end + 1)
        };
        if consumed > self.max_token {
            return Err(self.error(ErrorKind::StringLimit(self.max_token)));
        }
        self.pos += consumed;
        Ok(token)
    }

    fn span_token(&self, make: fn(Span) -> Token, start: usize, end: usize) -> Token {
        make(self.abs(start..end))
    }

    fn abs(&self, rel: Range<usize>) -> Span {
        shifted(self.base + self.pos as u64, rel)
    }

    fn emit(&mut self, make: fn(Span) -> Token, len: usize, consumed: usize) -> Result<Token> {
        if len > self.max_token {
            return Err(self.error(ErrorKind::StringLimit(self.max_token)));
        }
        let token = make(self.abs(0..len));
        self.pos += consumed;
        Ok(token)
    }

    /// Skips leading whitespace and one line starting with `header`, if that is what comes
    /// next (`#< CLIXML` contains a `<`, so it cannot go through [`Tokenizer::next`]).
    pub(crate) fn skip_line(&mut self, header: &[u8]) -> Result<bool> {
        loop {
            let avail = &self.input.window()[self.pos..];
            let ws = avail.iter().take_while(|&&b| is_space(b)).count();
            let line = &avail[ws..];
            if line.len() >= header.len() || self.eof {
                if !line.starts_with(header) {
                    return Ok(false);
                }
                if let Some(nl) = memchr::memchr(b'\n', line) {
                    self.pos += ws + nl + 1;
                    return Ok(true);
                }
                if self.eof {
                    self.pos = self.input.window().len();
                    return Ok(true);
                }
            }
            self.token_start = self.base + self.pos as u64;
            self.more()?;
        }
    }

    /// Reads more input into the window; the token being scanned is incomplete.
    fn more(&mut self) -> Result<()> {
        if self.eof {
            return Err(self.error(ErrorKind::UnexpectedEof));
        }
        let partial = self.input.window().len() - self.pos;
        if partial > self.max_token.saturating_add(16) {
            return Err(self.error(ErrorKind::StringLimit(self.max_token)));
        }
        let keep_from = match self.pin {
            Some(pin) => ((pin.saturating_sub(self.base)) as usize).min(self.pos),
            None => self.pos,
        };
        // Geometric growth keeps rescanning a large token linear overall.
        let want = CHUNK.max(partial);
        let n = self
            .input
            .advance(keep_from, want)
            .map_err(|e| self.error(ErrorKind::Io(e.to_string())))?;
        self.base += keep_from as u64;
        self.pos -= keep_from;
        if n == 0 {
            self.eof = true;
        }
        if self.base + self.input.window().len() as u64 > self.max_bytes {
            return Err(self.error(ErrorKind::ByteLimit(self.max_bytes)));
        }
        Ok(())
    }
}

/// `rel`, relative to absolute offset `at`, as absolute offsets.
fn shifted(at: u64, rel: Range<usize>) -> Span {
    at + rel.start as u64..at + rel.end as u64
}

/// XML whitespace.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(bytes: &[u8], mut start: usize, mut end: usize) -> Range<usize> {
    while start < end && is_space(bytes[start]) {
        start += 1;
    }
    while end > start && is_space(bytes[end - 1]) {
        end -= 1;
    }
    start..end
}

/// The attribute text of a start tag, `tag[name_end..end]` (from its name up to its `>`)
/// trimmed and without the `/` of an empty tag, and whether it had that `/`.
pub(crate) fn attribute_text(tag: &[u8], name_end: usize, end: usize) -> (Range<usize>, bool) {
    let mut attrs = trim(tag, name_end, end);
    let empty = attrs.end > attrs.start && tag[attrs.end - 1] == b'/';
    if empty {
        attrs.end -= 1;
    }
    (attrs, empty)
}

/// Index of the `>` closing the start tag at `tag[0]`, skipping quoted attribute values.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        let at = i + tag[i..]
            .iter()
            .position(|&b| matches!(b, b'>' | b'"' | b'\''))?;
        match tag[at] {
            b'>' => return Some(at),
            quote => i = at + 1 + find_byte(quote, &tag[at + 1..])? + 1,
        }
    }
}

/// Iterates `name="value"` pairs of a start tag's attribute text.
pub(crate) fn attributes(
    mut rest: &[u8],
) -> impl Iterator<Item = Result<(&[u8], &[u8]), ErrorKind>> {
    std::iter::from_fn(move || {
        let start = rest.iter().position(|&b| !is_space(b))?;
        rest = &rest[start..];
        match attribute(rest) {
            Ok((name, value, consumed)) => {
                rest = &rest[consumed..];
                if rest.first().is_some_and(|&b| !is_space(b)) {
                    rest = &[];
                    return Some(Err(ErrorKind::Syntax(
                        "attributes must be separated by whitespace",
                    )));
                }
                Some(Ok((name, value)))
            }
            Err(e) => {
                rest = &[];
                Some(Err(e))
            }
        }
    })
}

/// The attribute at the start of `rest`: its name, raw value and length.
fn attribute(rest: &[u8]) -> Result<(&[u8], &[u8], usize), ErrorKind> {
    let without_value = || ErrorKind::Syntax("attribute without value");
    let eq = find_byte(b'=', rest).ok_or_else(without_value)?;
    let name = &rest[..trim(rest, 0, eq).end];
    if name.is_empty() || name.iter().any(|&b| is_space(b) || b == b'"' || b == b'\'') {
        return Err(ErrorKind::Syntax("malformed attribute"));
    }
    let after = &rest[eq + 1..];
    let q = after
        .iter()
        .position(|&b| !is_space(b))
        .ok_or_else(without_value)?;
    let quote = after[q];
    if quote != b'"' && quote != b'\'' {
        return Err(ErrorKind::Syntax("unquoted attribute value"));
    }
    let len =
        find_byte(quote, &after[q + 1..]).ok_or(ErrorKind::Syntax("unterminated attribute"))?;
    let value = &after[q + 1..q + 1 + len];
    if value.contains(&b'<') {
        return Err(ErrorKind::Syntax("'<' in attribute value"));
    }
    Ok((name, value, eq + 1 + q + 1 + len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{InMemory, Streamed};

    fn lossy(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// The tokens of `input`, read in place and through a 2-byte stream, which must agree.
    fn tokens(input: &str) -> Result<Vec<String>> {
        let in_memory = tokens_of(Tokenizer::new(
            InMemory::new(input.as_bytes()),
            u64::MAX,
            1 << 20,
        ));
        let streamed = tokens_of(Tokenizer::new(
            Streamed::new(std::io::BufReader::with_capacity(2, input.as_bytes())),
            u64::MAX,
            1 << 20,
        ));
        assert_eq!(format!("{in_memory:?}"), format!("{streamed:?}"), "{input}");
        streamed
    }

    fn tokens_of<I: Input>(mut t: Tokenizer<I>) -> Result<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let s = |t: &Tokenizer<_>, span: &Span| lossy(t.bytes(span));
            let line = match t.next()? {
                Token::Start { name, empty } => {
                    let attrs: Vec<String> = t
                        .attributes()
                        .map(|a| {
                            let (k, v) = a.unwrap();
                            format!("{}={}", lossy(k), lossy(v))
                        })
                        .collect();
                    format!(
                        "<{} [{}]{}",
                        s(&t, &name),
                        attrs.join(" "),
                        if empty { "/" } else { "" }
                    )
                }
                Token::End { name } => format!("</{}", s(&t, &name)),
                Token::Text(span) => format!("T:{}", s(&t, &span)),
                Token::CData(span) => format!("C:{}", s(&t, &span)),
                Token::Eof => return Ok(out),
            };
            out.push(line);
        }
    }

    #[test]
    fn tokenizes_tags_text_and_skips_comments() {
        let got = tokens(
            "<?xml version=\"1.0\"?><a x=\"1>2\" y='3'><!-- c --><b/>hi<![CDATA[<x>]]></a >",
        )
        .unwrap();
        assert_eq!(got, ["<a [x=1>2 y=3]", "<b []/", "T:hi", "C:<x>", "</a"]);
    }

    #[test]
    fn plain_and_general_start_tags_agree() {
        // Each tag alone, from one buffer (the one-pass scan) and two bytes at a time (mostly
        // the general path, as tags arrive split).
        for tag in [
            "<a>",
            "<a/>",
            "<a />",
            "<p:Obj N=\"x y\" RefId=\"0\">",
            "<S N=\"&amp;\"/>",
            "<a x=\"1\"y=\"2\">",
            "<a x = \"1\">",
            "<a x=\"1\" / >",
            "<a x=\"<\">",
            "<a x=\"1>",
            "<a\"b\">",
            "<a x>",
        ] {
            let whole = {
                let mut t = Tokenizer::new(InMemory::new(tag.as_bytes()), u64::MAX, 1 << 20);
                t.next().map(|token| match token {
                    Token::Start { name, empty } => (
                        lossy(t.bytes(&name)),
                        empty,
                        t.attributes()
                            .map(|a| a.map(|(k, v)| (lossy(k), lossy(v))))
                            .collect::<Vec<_>>(),
                    ),
                    _ => panic!("{tag}: not a start tag"),
                })
            };
            let split = {
                let reader = std::io::BufReader::with_capacity(2, tag.as_bytes());
                let mut t = Tokenizer::new(Streamed::new(reader), u64::MAX, 1 << 20);
                t.next().map(|token| match token {
                    Token::Start { name, empty } => (
                        lossy(t.bytes(&name)),
                        empty,
                        t.attributes()
                            .map(|a| a.map(|(k, v)| (lossy(k), lossy(v))))
                            .collect::<Vec<_>>(),
                    ),
                    _ => panic!("{tag}: not a start tag"),
                })
            };
            assert_eq!(whole, split, "{tag}");
        }
    }

    #[test]
    fn refuses_dtds_and_truncation() {
        assert_eq!(
            tokens("<!DOCTYPE x []><a/>").unwrap_err().kind,
            ErrorKind::Dtd
        );
        assert_eq!(
            tokens("<a><!-- never closed").unwrap_err().kind,
            ErrorKind::UnexpectedEof
        );
        let err = tokens("<a>\n<b x=\"").unwrap_err();
        assert_eq!((err.kind, err.position), (ErrorKind::UnexpectedEof, 4));
    }

    #[test]
    fn enforces_token_and_byte_limits() {
        let doc = "<a>0123456789</a>".as_bytes();
        for mut t in [
            Tokenizer::new(InMemory::new(doc), u64::MAX, 5),
            Tokenizer::new(InMemory::new(doc.to_vec()), u64::MAX, 5),
        ] {
            assert!(matches!(t.next(), Ok(Token::Start { .. })));
            assert_eq!(
                t.next().err().map(|e| e.kind),
                Some(ErrorKind::StringLimit(5))
            );
        }
        // A stream's first read only sniffs the encoding (4 bytes), so `<a>` is within the
        // limit; reading on past it is refused.
        let mut t = Tokenizer::new(Streamed::new(doc), 4, 100);
        assert!(matches!(t.next(), Ok(Token::Start { .. })));
        assert_eq!(
            t.next().err().map(|e| e.kind),
            Some(ErrorKind::ByteLimit(4))
        );
        // A document in memory is all there at once: refused before its first token.
        let mut t = Tokenizer::new(InMemory::new(doc), 4, 100);
        let e = t.next().err().unwrap();
        assert_eq!((e.kind, e.position), (ErrorKind::ByteLimit(4), 0));
    }

    #[test]
    fn parses_attributes() {
        let got: Vec<_> = attributes(b" N = \"a b\"  RefId='0'")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, [(&b"N"[..], &b"a b"[..]), (&b"RefId"[..], &b"0"[..])]);
        for bad in [
            &b"N"[..],
            b"N=x",
            b"N=\"x",
            b"N=\"a\"M=\"b\"",
            b"=\"a\"",
            b"N=\"<\"",
        ] {
            assert!(attributes(bad).any(|r| r.is_err()), "{bad:?}");
        }
    }
}
