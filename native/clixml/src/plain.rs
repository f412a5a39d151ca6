//! Fast paths for markup exactly as PowerShell writes it, scanned in one pass straight from
//! the tokenizer's window: a start tag `<Name( attr="value")*( /)?>` whose meaningful
//! attribute values need no unescaping, and element text of a few dozen bytes followed by its
//! own end tag. Anything else (entities, odd spacing, a tag split across reads, long text) is
//! left to the general path, which reaches the same result, errors included, only slower.

use crate::tag::Tag;
use crate::tokenizer::is_space;
use std::ops::Range;

/// A start tag recognised by [`plain_start`]; slices borrow the tag's bytes.
pub(crate) struct PlainStart<'a> {
    pub(crate) tag: Tag,
    /// The element name as written.
    pub(crate) name: &'a [u8],
    pub(crate) empty: bool,
    /// Bytes from `<` through `>`.
    pub(crate) len: usize,
    /// `N`, `RefId`, `Version`: raw values, known to contain no `&`, tab, CR or LF (so XML
    /// unescaping would leave them as they are, once checked to be UTF-8).
    pub(crate) n: Option<(&'a [u8], TextShape)>,
    pub(crate) ref_id: Option<&'a [u8]>,
    pub(crate) version: Option<&'a [u8]>,
}

/// Byte classes for the scans below, one table so that each byte costs one lookup.
const NAME: u8 = 1;
/// Ends an attribute value (`"`, or `<`, which the general path refuses).
const VALUE_END: u8 = 2;
/// Needs XML unescaping: `&`, CR; in attribute values also tab and LF (normalised to spaces).
const ENTITY: u8 = 4;
const ATTR_ENTITY: u8 = 8;
/// `_`: may start an `_xHHHH_` escape.
const UNDERSCORE: u8 = 16;
/// Not ASCII: the text must be checked to be UTF-8.
const WIDE: u8 = 32;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if !matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>' | b'<' | b'"' | b'\'' | b'='
        ) {
            class |= NAME;
        }
        if matches!(b, b'"' | b'<') {
            class |= VALUE_END;
        }
        if matches!(b, b'&' | b'\r') {
            class |= ENTITY | ATTR_ENTITY;
        }
        if matches!(b, b'\t' | b'\n') {
            class |= ATTR_ENTITY;
        }
        if b == b'_' {
            class |= UNDERSCORE;
        }
        if b >= 0x80 {
            class |= WIDE;
        }
        table[i] = class;
        i += 1;
    }
    table
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// Whether `b` can be part of a name in a plain tag.
fn is_name_byte(b: u8) -> bool {
    class(b) & NAME != 0
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes at `bytes[at..]` as a little-endian word, if there are 8.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word = bytes.get(at..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*word))
}

/// The high bit of each byte of `word` that equals `b`. Exact for the lowest such byte and for
/// whether there is any (a borrow can only mark bytes above a true match).
fn bytes_equal(word: u64, b: u8) -> u64 {
    let x = word ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Index of the byte whose high bit is the lowest set in `marks` (8 if none).
fn first_marked(marks: u64) -> usize {
    (marks.trailing_zeros() / 8) as usize
}

/// How many bytes of whitespace `bytes` starts with. Indentation, a line end and then runs of
/// spaces, is nearly half of what PowerShell writes, so spaces go eight at a time.
#[inline]
pub(crate) fn indent(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() && matches!(bytes[i], b'\n' | b'\r') {
        i += 1;
    }
    while let Some(word) = word_at(bytes, i) {
        let others = word ^ (ONES * u64::from(b' '));
        if others != 0 {
            i += (others.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    // Whatever else (tabs, or the window's last bytes), one at a time.
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    i
}

/// The end tag of `tag` at `bytes[at..]`: its length, if it is there spelled exactly `</name>`.
pub(crate) fn closes(bytes: &[u8], at: usize, tag: Tag) -> Option<usize> {
    let (packed, len) = tag.end_key();
    match word_at(bytes, at) {
        Some(word) if len <= 8 => (word & (u64::MAX >> (64 - 8 * len)) == packed).then_some(len),
        _ => {
            let name = tag.name().as_bytes();
            let exact = bytes.get(at..at + 2) == Some(b"</")
                && bytes.get(at + 2..at + len - 1) == Some(name)
                && bytes.get(at + len - 1) == Some(&b'>');
            exact.then_some(len)
        }
    }
}

/// The plain start tag at `tag[0] == b'<'`, if it is one and lies wholly in `tag`.
pub(crate) fn plain_start(tag: &[u8]) -> Option<PlainStart<'_>> {
    written_start(tag).or_else(|| any_plain_start(tag))
}

/// Start tags exactly as PowerShell writes them, `<Name( N="…")?( RefId="digits")?( ?/)?>`
/// with a CliXml element name: no loops over names, which are read eight bytes at a time.
fn written_start(tag: &[u8]) -> Option<PlainStart<'_>> {
    let word = word_at(tag, 1)?;
    let stops = bytes_equal(word, b' ') | bytes_equal(word, b'>') | bytes_equal(word, b'/');
    let name_len = first_marked(stops);
    if name_len == 0 {
        return None;
    }
    let kind = Tag::from_key(word & (u64::MAX >> (64 - 8 * name_len)), name_len);
    if kind == Tag::Unknown {
        return None;
    }
    let mut start = PlainStart {
        tag: kind,
        name: &tag[1..1 + name_len],
        empty: false,
        len: 0,
        n: None,
        ref_id: None,
        version: None,
    };
    let mut i = 1 + name_len;
    let starts = |i: usize, with: &[u8]| tag.get(i..i + with.len()) == Some(with);
    if starts(i, b" N=\"") {
        let value = i + 4;
        let mut end = value;
        let mut seen = 0;
        while end < tag.len() && class(tag[end]) & VALUE_END == 0 {
            seen |= class(tag[end]);
            end += 1;
        }
        if tag.get(end) != Some(&b'"') || seen & ATTR_ENTITY != 0 {
            return None;
        }
        start.n = Some((&tag[value..end], TextShape(seen)));
        i = end + 1;
    }
    if starts(i, b" RefId=\"") {
        let value = i + 8;
        let mut end = value;
        while end < tag.len() && tag[end].is_ascii_digit() {
            end += 1;
        }
        if tag.get(end) != Some(&b'"') {
            return None;
        }
        start.ref_id = Some(&tag[value..end]);
        i = end + 1;
    }
    match *tag.get(i)? {
        b'>' => start.len = i + 1,
        b'/' if tag.get(i + 1) == Some(&b'>') => {
            start.empty = true;
            start.len = i + 2;
        }
        b' ' if starts(i + 1, b"/>") => {
            start.empty = true;
            start.len = i + 3;
        }
        _ => return None,
    }
    Some(start)
}

/// Any plain start tag, `<name( attr="value")*\s*/?>`.
fn any_plain_start(tag: &[u8]) -> Option<PlainStart<'_>> {
    let (mut n, mut ref_id, mut version) = (None, None, None);
    let (name_end, len) = scan_plain_tag(tag, |name, value, shape| {
        let raw = &tag[value];
        // Repeats and values needing unescaping go the general way (order of errors).
        let plain = shape.0 & ATTR_ENTITY == 0;
        match &tag[name] {
            b"N" if plain && n.is_none() => n = Some((raw, shape)),
            b"RefId" if plain && ref_id.is_none() => ref_id = Some(raw),
            b"Version" if plain && version.is_none() => version = Some(raw),
            b"N" | b"RefId" | b"Version" => return None,
            _ => {}
        }
        Some(())
    })?;
    Some(PlainStart {
        tag: Tag::from_name(&tag[1..name_end]),
        name: &tag[1..name_end],
        empty: tag[len - 2] == b'/',
        len,
        n,
        ref_id,
        version,
    })
}

/// One pass over a plain start tag, `<name( attr="value")*\s*/?>` at `tag[0]`, wholly in
/// `tag`: hands each attribute's name and value ranges, and the classes of the value's bytes,
/// to `attr` (whose `None` refuses the tag), and returns the end of the name and the tag's
/// length. `None` for anything else, incomplete tags and `<!…`/`<?…` markup included: the
/// general path then decides, with its errors. The tokenizer's own fast path uses it too, so
/// that both agree on what a plain tag is.
pub(crate) fn scan_plain_tag(
    tag: &[u8],
    mut attr: impl FnMut(Range<usize>, Range<usize>, TextShape) -> Option<()>,
) -> Option<(usize, usize)> {
    let len = tag.len();
    // Index loops with the length checked first: the compiler drops the bounds checks.
    let name_run = |mut i: usize| {
        while i < len && is_name_byte(tag[i]) {
            i += 1;
        }
        i
    };
    let name_end = name_run(1);
    if name_end == 1 || matches!(tag[1], b'!' | b'?') {
        return None;
    }
    let mut i = name_end;
    loop {
        let after = i;
        while i < len && is_space(tag[i]) {
            i += 1;
        }
        match *tag.get(i)? {
            b'>' => return Some((name_end, i + 1)),
            b'/' => return (tag.get(i + 1) == Some(&b'>')).then_some((name_end, i + 2)),
            _ if i == after => return None,
            _ => {}
        }
        let eq = name_run(i);
        if eq == i || tag.get(eq..eq + 2) != Some(b"=\"") {
            return None;
        }
        let value = eq + 2;
        let mut value_end = value;
        let mut seen = 0;
        while value_end < len && class(tag[value_end]) & VALUE_END == 0 {
            seen |= class(tag[value_end]);
            value_end += 1;
        }
        if *tag.get(value_end)? != b'"' {
            return None;
        }
        attr(i..eq, value..value_end, TextShape(seen))?;
        i = value_end + 1;
    }
}

/// What [`plain_text`] saw in the text, so that the conversions it needs no are skipped.
#[derive(Clone, Copy)]
pub(crate) struct TextShape(u8);

impl TextShape {
    /// Nothing known: every conversion applies.
    pub(crate) const UNKNOWN: TextShape = TextShape(ENTITY | UNDERSCORE | WIDE);

    /// Whether XML unescaping (entities, line ends) may change the text.
    pub(crate) fn has_entities(self) -> bool {
        self.0 & ENTITY != 0
    }

    /// Whether the text may hold `_xHHHH_` escapes.
    pub(crate) fn has_underscore(self) -> bool {
        self.0 & UNDERSCORE != 0
    }

    /// Whether the text is pure ASCII (so valid UTF-8).
    fn is_ascii(self) -> bool {
        self.0 & WIDE == 0
    }
}

/// `raw` as text: checked to be UTF-8 unless `shape`, which must come from the scan of exactly
/// these bytes, found it ASCII. (The check costs more than the rest of decoding a short value.)
#[allow(unsafe_code)]
pub(crate) fn utf8(raw: &[u8], shape: TextShape) -> Option<&str> {
    if shape.is_ascii() {
        debug_assert!(raw.is_ascii());
        // SAFETY: the scan that produced `shape` saw no byte >= 0x80 in `raw`, and ASCII is
        // valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    } else {
        std::str::from_utf8(raw).ok()
    }
}

/// Longest text [`plain_text`] scans; longer text is left to `memchr` and the general path,
/// which are faster per byte once set up.
const PLAIN_TEXT_MAX: usize = 256;

/// Element text in `rest` followed by exactly the end tag of `tag`: the text's length, its
/// shape, and the length of the whole (text and end tag). Eight bytes at a time: each word is
/// checked for `<` and, below it, for the bytes that make a conversion necessary.
#[inline]
pub(crate) fn plain_text(rest: &[u8], tag: Tag) -> Option<(usize, TextShape, usize)> {
    let mut i = 0;
    let (mut entities, mut underscores, mut wide) = (0, 0, 0);
    loop {
        let word = word_at(rest, i)?;
        let end = bytes_equal(word, b'<');
        // Every bit below the high bit of the first `<`: the text's bytes in this word.
        let text = if end == 0 {
            u64::MAX
        } else {
            (end & end.wrapping_neg()) - 1
        };
        entities |= (bytes_equal(word, b'&') | bytes_equal(word, b'\r')) & text;
        underscores |= bytes_equal(word, b'_') & text;
        wide |= word & HIGHS & text;
        if end != 0 {
            i += first_marked(end);
            break;
        }
        i += 8;
        if i > PLAIN_TEXT_MAX {
            return None;
        }
    }
    let shape = TextShape(
        if entities != 0 { ENTITY } else { 0 }
            | if underscores != 0 { UNDERSCORE } else { 0 }
            | if wide != 0 { WIDE } else { 0 },
    );
    Some((i, shape, i + closes(rest, i, tag)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tag, name, empty, length, `N`, `RefId`.
    type Summary<'a> = (
        Tag,
        &'a [u8],
        bool,
        usize,
        Option<&'a [u8]>,
        Option<&'a [u8]>,
    );

    fn summary(tag: &[u8]) -> Option<Summary<'_>> {
        plain_start(tag).map(|t| (t.tag, t.name, t.empty, t.len, t.n.map(|n| n.0), t.ref_id))
    }

    #[test]
    fn recognises_plain_start_tags_only() {
        // As PowerShell writes them (the word-at-a-time path)…
        assert_eq!(
            summary(b"<Obj N=\"a b\" RefId=\"12\">rest"),
            Some((
                Tag::Obj,
                &b"Obj"[..],
                false,
                24,
                Some(&b"a b"[..]),
                Some(&b"12"[..])
            ))
        );
        assert_eq!(
            summary(b"<TNRef RefId=\"0\" />\n  "),
            Some((Tag::TNRef, &b"TNRef"[..], true, 19, None, Some(&b"0"[..])))
        );
        assert_eq!(
            summary(b"<ToString>x</ToString>"),
            Some((Tag::ToString, &b"ToString"[..], false, 10, None, None))
        );
        // …and any other plain tag (the general scan).
        assert_eq!(
            summary(b"<Obj xmlns=\"u&amp;\" N=\"n\">"),
            Some((Tag::Obj, &b"Obj"[..], false, 26, Some(&b"n"[..]), None))
        );
        assert_eq!(
            summary(b"<p:Foo RefId=\"x\"/>"),
            Some((Tag::Unknown, &b"p:Foo"[..], true, 18, None, Some(&b"x"[..])))
        );
        let root = plain_start(b"<Objs Version=\"1.1.0.1\" xmlns=\"x\">").unwrap();
        assert_eq!(root.version, Some(&b"1.1.0.1"[..]));
        for other in [
            &b"<"[..],
            b"<>",
            b"<!-- -->",
            b"<?xml?>",
            b"<S",
            b"<S N=\"x\"",
            b"<S N='x'>",
            b"<S N = \"x\">",
            b"<S N=\"a&amp;b\">",
            b"<S N=\"a\tb\">",
            b"<S N=\"a\" N=\"b\">",
            b"<S N=\"<\">",
            b"<S N=\"x\"M=\"y\">",
            b"<S / >",
        ] {
            assert!(
                plain_start(other).is_none(),
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn skips_indentation_and_matches_end_tags() {
        assert_eq!(indent(b"\r\n          <S>"), 12);
        assert_eq!(indent(b"\n \t <"), 4);
        assert_eq!(indent(b"   "), 3);
        assert_eq!(indent(b"<S>"), 0);
        assert_eq!(closes(b"</S>\n    <", 0, Tag::S), Some(4));
        assert_eq!(closes(b"</S>", 0, Tag::S), Some(4));
        assert_eq!(closes(b"</ToString>  ", 0, Tag::ToString), Some(11));
        for other in [
            &b"</S >      "[..],
            b"</SS>      ",
            b"</s>      ",
            b"</S",
            b"<S>      ",
        ] {
            assert_eq!(closes(other, 0, Tag::S), None);
        }
    }

    #[test]
    fn classifies_plain_text() {
        let (len, shape, total) = plain_text(b"item 1</S>\n    ", Tag::S).unwrap();
        assert_eq!((len, total), (6, 10));
        assert!(!shape.has_entities() && !shape.has_underscore() && shape.is_ascii());
        let (len, shape, _) = plain_text("a_b&amp;é and more</S>  ".as_bytes(), Tag::S).unwrap();
        assert_eq!(len, 19);
        assert!(shape.has_entities() && shape.has_underscore() && !shape.is_ascii());
        // What follows the end tag does not count.
        let (_, shape, _) = plain_text(b"ab</S>_&\xff     ", Tag::S).unwrap();
        assert!(!shape.has_entities() && !shape.has_underscore() && shape.is_ascii());
        for other in [
            &b"x</I32>        "[..],
            b"x</S >        ",
            b"x<S>         ",
            b"x",
        ] {
            assert!(plain_text(other, Tag::S).is_none());
        }
        let long = [b'a'; PLAIN_TEXT_MAX + 8];
        assert!(plain_text(&[&long[..], b"</S>    "].concat(), Tag::S).is_none());
    }
}
