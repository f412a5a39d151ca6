//! The bytes under the tokenizer, as UTF-8 with any BOM removed: a stream read through a
//! bounded window ([`Streamed`], transcoding UTF-16 — Windows PowerShell writes UTF-16LE files —
//! incrementally), or a document already in memory, read in place ([`InMemory`]).

use std::borrow::Cow;
use std::io::{self, BufRead};

/// What a [`crate::Decoder`] reads from: [`Streamed`] or [`InMemory`].
pub trait Input: sealed::Sealed {
    /// The window: the input read so far and not yet discarded.
    #[doc(hidden)]
    fn window(&self) -> &[u8];

    /// Discards `window()[..discard]`, then extends the window by about `want` bytes; returns
    /// how many were added, 0 only at the end of input.
    #[doc(hidden)]
    fn advance(&mut self, discard: usize, want: usize) -> io::Result<usize>;
}

mod sealed {
    pub trait Sealed {}
    impl<R> Sealed for super::Streamed<R> {}
    impl Sealed for super::InMemory<'_> {}
}

/// A stream, read through a window that holds about the token being read, so memory stays
/// bounded however long the input is.
pub struct Streamed<R> {
    src: Source<R>,
    buf: Vec<u8>,
}

impl<R: BufRead> Streamed<R> {
    pub(crate) fn new(input: R) -> Self {
        Streamed {
            src: Source::new(input),
            buf: Vec::new(),
        }
    }
}

impl<R: BufRead> Input for Streamed<R> {
    fn window(&self) -> &[u8] {
        &self.buf
    }

    fn advance(&mut self, discard: usize, want: usize) -> io::Result<usize> {
        self.buf.drain(..discard);
        self.src.read(&mut self.buf, want)
    }
}

/// A whole document in memory (a PSRP message, a job's pipeline output, a string), read in
/// place: no copy into a window, no refills. Only UTF-16 input is transcoded, once, up front.
pub struct InMemory<'a> {
    bytes: Cow<'a, [u8]>,
    /// The window is `bytes[start..end]`: empty until the first `advance`, which hands out the
    /// whole document, so that size limits are checked where a stream's are.
    start: usize,
    end: usize,
    /// Why the input could not be transcoded (UTF-32), reported by the first `advance`.
    error: Option<io::Error>,
}

impl<'a> InMemory<'a> {
    pub(crate) fn new(bytes: impl Into<Cow<'a, [u8]>>) -> Self {
        let bytes = bytes.into();
        let (bytes, start) = match encoding_of(&bytes) {
            Err(e) => return InMemory::failed(e),
            Ok((Encoding::Utf8, bom)) => (bytes, bom),
            Ok(_) => {
                let mut src = Source::new(bytes.as_ref());
                let mut utf8 = Vec::with_capacity(bytes.len());
                // UTF-16, known from the sniff above, read from a slice: no read can fail.
                while src.read(&mut utf8, usize::MAX).is_ok_and(|n| n > 0) {}
                (Cow::Owned(utf8), 0)
            }
        };
        InMemory {
            bytes,
            start,
            end: start,
            error: None,
        }
    }

    fn failed(error: io::Error) -> Self {
        InMemory {
            bytes: Cow::Borrowed(&[]),
            start: 0,
            end: 0,
            error: Some(error),
        }
    }
}

impl Input for InMemory<'_> {
    fn window(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Hands out the rest of the document at once, whatever `want` is.
    fn advance(&mut self, discard: usize, _want: usize) -> io::Result<usize> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.start += discard;
        let added = self.bytes.len() - self.end;
        self.end = self.bytes.len();
        Ok(added)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

pub(crate) struct Source<R> {
    inner: R,
    /// `None` until the first read has sniffed the BOM.
    encoding: Option<Encoding>,
    /// Raw bytes read ahead: the sniffing window, or a UTF-16 unit/pair split across reads.
    pending: Vec<u8>,
}

impl<R: BufRead> Source<R> {
    pub(crate) fn new(inner: R) -> Self {
        Source {
            inner,
            encoding: None,
            pending: Vec::new(),
        }
    }

    /// Appends up to about `want` bytes of UTF-8 to `out`; returns 0 only at end of input.
    pub(crate) fn read(&mut self, out: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        let encoding = match self.encoding {
            Some(e) => e,
            None => self.sniff()?,
        };
        if encoding == Encoding::Utf8 {
            if !self.pending.is_empty() {
                let n = self.pending.len();
                out.append(&mut self.pending);
                return Ok(n);
            }
            let chunk = self.inner.fill_buf()?;
            let n = chunk.len().min(want);
            out.extend_from_slice(&chunk[..n]);
            self.inner.consume(n);
            return Ok(n);
        }
        let before = out.len();
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if !self.pending.is_empty() {
                    // A dangling odd byte or unpaired high surrogate at the end.
                    self.pending.clear();
                    out.extend_from_slice("\u{FFFD}".as_bytes());
                }
                return Ok(out.len() - before);
            }
            let n = chunk.len().min(want.max(2));
            self.pending.extend_from_slice(&chunk[..n]);
            self.inner.consume(n);
            self.transcode(encoding, out);
            if out.len() > before {
                return Ok(out.len() - before);
            }
        }
    }

    /// Reads enough to recognise a BOM (or a BOM-less UTF-16 `<`), consuming the BOM.
    fn sniff(&mut self) -> io::Result<Encoding> {
        while self.pending.len() < 4 {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len().min(4 - self.pending.len());
            self.pending.extend_from_slice(&chunk[..n]);
            self.inner.consume(n);
        }
        let (encoding, bom) = encoding_of(&self.pending)?;
        self.pending.drain(..bom);
        self.encoding = Some(encoding);
        Ok(encoding)
    }

    /// Converts the complete UTF-16 units in `pending` to UTF-8, keeping a trailing odd byte
    /// or high surrogate for the next read. Unpaired surrogates become U+FFFD, as .NET's
    /// `StreamReader` does.
    fn transcode(&mut self, encoding: Encoding, out: &mut Vec<u8>) {
        let unit = |pair: &[u8]| match encoding {
            Encoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
            _ => u16::from_le_bytes([pair[0], pair[1]]),
        };
        let units = self.pending.len() / 2;
        let mut keep = self.pending.len() % 2;
        let mut end = units;
        if units > 0 && (0xD800..0xDC00).contains(&unit(&self.pending[(units - 1) * 2..])) {
            end -= 1;
            keep += 2;
        }
        let decoded = char::decode_utf16((0..end).map(|i| unit(&self.pending[i * 2..])));
        let mut utf8 = [0u8; 4];
        for c in decoded {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        let len = self.pending.len();
        self.pending.drain(..len - keep);
    }
}

/// The encoding the first bytes of the input announce (a BOM, or a BOM-less UTF-16 `<`), and
/// the length of its BOM. UTF-32 is refused.
pub(crate) fn encoding_of(input: &[u8]) -> io::Result<(Encoding, usize)> {
    Ok(match &input[..input.len().min(4)] {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, 0, 0] | [0, 0, 0xFE, 0xFF] => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "UTF-32 is not supported",
            ));
        }
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [b'<', 0, ..] => (Encoding::Utf16Le, 0),
        [0, b'<', ..] => (Encoding::Utf16Be, 0),
        _ => (Encoding::Utf8, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> String {
        let mut src = Source::new(io::BufReader::with_capacity(3, bytes));
        let mut out = Vec::new();
        while src.read(&mut out, 5).unwrap() > 0 {}
        String::from_utf8(out).unwrap()
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn passes_utf8_and_strips_its_bom() {
        assert_eq!(all(b"<S>x</S>"), "<S>x</S>");
        assert_eq!(all(b"\xEF\xBB\xBF<S>\xC3\xA9</S>"), "<S>é</S>");
        assert_eq!(all(b""), "");
        assert_eq!(all(b"a"), "a");
    }

    #[test]
    fn transcodes_utf16_across_small_reads() {
        let text = "<S>héllo 🎵 wörld</S>";
        assert_eq!(all(&utf16(text, true, true)), text);
        assert_eq!(all(&utf16(text, false, true)), text);
        assert_eq!(all(&utf16(text, true, false)), text);
        assert_eq!(all(&utf16(text, false, false)), text);
    }

    /// The whole of an in-memory input, as its first `advance` hands it out.
    fn in_memory(bytes: &[u8]) -> io::Result<String> {
        let mut input = InMemory::new(bytes);
        assert!(input.window().is_empty());
        input.advance(0, 1)?;
        let text = String::from_utf8(input.window().to_vec()).unwrap();
        assert_eq!(input.advance(0, 1)?, 0);
        Ok(text)
    }

    #[test]
    fn in_memory_input_reads_as_the_stream_does() {
        let text = "<S>héllo 🎵 wörld</S>";
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        for bytes in [
            text.as_bytes().to_vec(),
            with_bom,
            utf16(text, true, true),
            utf16(text, false, true),
            utf16(text, true, false),
            utf16(text, false, false),
        ] {
            assert_eq!(in_memory(&bytes).unwrap(), text);
            assert_eq!(in_memory(&bytes).unwrap(), all(&bytes));
        }
        assert_eq!(in_memory(b"").unwrap(), "");
        for utf32 in [
            [0xFF, 0xFE, 0, 0, b'<', 0, 0, 0],
            [0, 0, 0xFE, 0xFF, 0, 0, 0, b'<'],
        ] {
            let error = in_memory(&utf32).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        }
    }

    #[test]
    fn in_memory_input_discards_what_was_read() {
        let mut input = InMemory::new(&b"<a>b</a>"[..]);
        assert_eq!(input.advance(0, 1).unwrap(), 8);
        assert_eq!(input.advance(3, 1).unwrap(), 0);
        assert_eq!(input.window(), b"b</a>");
    }

    #[test]
    fn replaces_broken_utf16() {
        let mut bytes = utf16("<a", true, true);
        bytes.extend_from_slice(&[0x3C, 0xD8, b'x', 0]); // lone high surrogate, then 'x'
        bytes.push(0x41); // odd trailing byte
        assert_eq!(all(&bytes), "<a\u{FFFD}x\u{FFFD}");
    }
}
