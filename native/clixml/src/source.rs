//! The byte source under the tokenizer: sniffs the BOM and hands out UTF-8, transcoding
//! UTF-16 (Windows PowerShell writes UTF-16LE files) incrementally so memory stays bounded.

use std::io::{self, BufRead};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
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
        let (encoding, bom) = match self.pending.as_slice() {
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
        };
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

    #[test]
    fn replaces_broken_utf16() {
        let mut bytes = utf16("<a", true, true);
        bytes.extend_from_slice(&[0x3C, 0xD8, b'x', 0]); // lone high surrogate, then 'x'
        bytes.push(0x41); // odd trailing byte
        assert_eq!(all(&bytes), "<a\u{FFFD}x\u{FFFD}");
    }
}
