//! Text escaping, both layers: XML entities/character references, and PowerShell's
//! `_xHHHH_` string encoding (MS-PSRP 2.2.5.3.2, `XmlConvert.DecodeName` on read), which
//! works on UTF-16 code units — hence the surrogate handling.

use crate::error::ErrorKind;
use crate::scan::{find_byte, find_byte2};
use std::borrow::Cow;

/// Where a piece of raw XML text came from: attribute values get whitespace normalised.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    Content,
    Attribute,
}

/// Validates UTF-8 and resolves entities, character references and XML end-of-line handling.
pub(crate) fn unescape_xml(raw: &[u8], kind: TextKind) -> Result<Cow<'_, str>, ErrorKind> {
    let text = std::str::from_utf8(raw).map_err(|_| ErrorKind::Encoding)?;
    let Some(mut i) = find_special(raw, kind) else {
        return Ok(Cow::Borrowed(text));
    };
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    loop {
        out.push_str(&text[run..i]);
        match raw[i] {
            b'&' => {
                let end = text[i..].find(';').ok_or(ErrorKind::Entity)? + i;
                out.push(entity(&text[i + 1..end])?);
                i = end + 1;
            }
            b'\r' => {
                // "\r\n" and a lone "\r" both become one line feed (XML 1.0 §2.11).
                i += if raw.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                out.push(if kind == TextKind::Attribute {
                    ' '
                } else {
                    '\n'
                });
            }
            _ => {
                i += 1;
                out.push(' ');
            }
        }
        run = i;
        match find_special(&raw[i..], kind) {
            Some(n) => i += n,
            None => break,
        }
    }
    out.push_str(&text[run..]);
    Ok(Cow::Owned(out))
}

/// The next byte [`unescape_xml`] must act on: attribute values are short and also normalise
/// tabs and line feeds; element text may be long.
fn find_special(raw: &[u8], kind: TextKind) -> Option<usize> {
    match kind {
        TextKind::Content => find_byte2(b'&', b'\r', raw),
        TextKind::Attribute => raw
            .iter()
            .position(|&b| matches!(b, b'&' | b'\r' | b'\n' | b'\t')),
    }
}

fn entity(name: &str) -> Result<char, ErrorKind> {
    let code = match name {
        "lt" => return Ok('<'),
        "gt" => return Ok('>'),
        "amp" => return Ok('&'),
        "quot" => return Ok('"'),
        "apos" => return Ok('\''),
        _ => {
            // PowerShell reads with CheckCharacters=false, so references to control
            // characters (`&#x1;`) are data, not errors.
            let digits = name.strip_prefix('#').ok_or(ErrorKind::Entity)?;
            let parsed = match digits.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => digits.parse::<u32>(),
            };
            let valid_digits = !digits.is_empty() && !digits.starts_with(['+', '-']);
            parsed
                .ok()
                .filter(|_| valid_digits)
                .ok_or(ErrorKind::Entity)?
        }
    };
    char::from_u32(code).ok_or(ErrorKind::Entity)
}

/// Decodes `_xHHHH_` / `_xHHHHHHHH_` escapes (`x` or `X`, hex of either case), left to right,
/// non-overlapping. Surrogate pairs written as two escapes become one char; a lone surrogate
/// cannot live in a Rust `String` and becomes U+FFFD.
pub(crate) fn decode_name(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let Some(first) = find_byte(b'_', bytes) else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    let mut run = 0;
    let mut i = first;
    while i < bytes.len() {
        if bytes[i] != b'_' {
            i += 1;
            continue;
        }
        let Some((unit, len)) = escape_at(bytes, i) else {
            i += 1;
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[run..i]);
        i += len;
        match unit {
            Unit::Char(c) => out.push(c),
            Unit::Surrogate(high @ 0xD800..=0xDBFF) => match escape_at(bytes, i) {
                Some((Unit::Surrogate(low @ 0xDC00..=0xDFFF), len2)) => {
                    let c =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    i += len2;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            Unit::Surrogate(_) => out.push(char::REPLACEMENT_CHARACTER),
        }
        run = i;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[run..]);
            Cow::Owned(out)
        }
    }
}

enum Unit {
    Char(char),
    Surrogate(u16),
}

/// The escape starting at `bytes[i] == b'_'`, with its length, if there is one.
fn escape_at(bytes: &[u8], i: usize) -> Option<(Unit, usize)> {
    let rest = bytes.get(i + 1..)?;
    if !matches!(rest.first(), Some(b'x' | b'X')) {
        return None;
    }
    let hex = |s: &[u8]| -> Option<u32> {
        s.iter()
            .try_fold(0u32, |acc, &b| Some(acc * 16 + (b as char).to_digit(16)?))
    };
    let four = hex(rest.get(1..5)?)?;
    match rest.get(5)? {
        b'_' => Some((unit(four), 7)),
        _ => {
            let eight = hex(rest.get(1..9)?)?;
            if rest.get(9) != Some(&b'_') || eight > 0x10FFFF {
                return None;
            }
            Some((unit(eight), 11))
        }
    }
}

fn unit(code: u32) -> Unit {
    match code {
        0xD800..=0xDFFF => Unit::Surrogate(code as u16),
        _ => Unit::Char(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)),
    }
}

/// Appends `text` with PowerShell's string encoding (`InternalSerializer.EncodeString`) and
/// XML escaping. `attribute` additionally escapes `"` for use inside a double-quoted value.
pub(crate) fn encode_string(out: &mut String, text: &str, attribute: bool) {
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, c) in text.char_indices() {
        let code = c as u32;
        let plain = match c {
            '&' | '<' | '>' => false,
            '"' => !attribute,
            '_' => !matches!(bytes.get(i + 1), Some(b'x' | b'X')),
            _ => code > 0x1F && !(0x7F..=0x9F).contains(&code) && code <= 0xFFFF,
        };
        if plain {
            continue;
        }
        out.push_str(&text[run..i]);
        run = i + c.len_utf8();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_escape(out, *unit);
                }
            }
        }
    }
    out.push_str(&text[run..]);
}

fn push_escape(out: &mut String, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("_x");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xF)] as char);
    }
    out.push('_');
}

/// XML-escapes text that is not `_x`-encoded (`SecureString` content).
pub(crate) fn escape_xml(out: &mut String, text: &str) {
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&text[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&text[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        encode_string(&mut out, s, false);
        out
    }

    #[test]
    fn decodes_the_spec_vectors() {
        let cases = [
            ("just newline _x000A_", "just newline \n"),
            ("surrogate pair _xD83C__xDFB5_", "surrogate pair 🎵"),
            ("null char _x0000_", "null char \0"),
            ("escaped literal _x005F_x005F_", "escaped literal _x005F_"),
            (
                "underscope before escape _x005F__x000A_",
                "underscope before escape _\n",
            ),
            ("surrogate high _xD83C_", "surrogate high \u{FFFD}"),
            ("lower case hex _x005f_", "lower case hex _"),
            ("invalid hex _x005G_", "invalid hex _x005G_"),
            (
                "actual_x005F_x000A_string_x000A_newline",
                "actual_x000A_string\nnewline",
            ),
            (
                "upper_x005F_X000a_string_x000A_newline",
                "upper_X000a_string\nnewline",
            ),
            ("treble clef _xD834__xDD1E_", "treble clef 𝄞"),
            (
                "こんにちは - actual_x005F_x000A_string_x000A_newline: _xD801__xDC37_",
                "こんにちは - actual_x000A_string\nnewline: 𐐷",
            ),
            ("eight digits _x0001F3B5_", "eight digits 🎵"),
            ("eight digits small _x0000000A_", "eight digits small \n"),
            ("too big _x00110000_", "too big _x00110000_"),
            ("truncated _x00", "truncated _x00"),
            ("lone low _xDC00_x", "lone low \u{FFFD}x"),
        ];
        for (encoded, decoded) in cases {
            assert_eq!(decode_name(encoded), decoded, "{encoded}");
        }
    }

    #[test]
    fn encodes_controls_surrogates_and_literal_underscore_x() {
        assert_eq!(enc("a\r\n\tb"), "a_x000D__x000A__x0009_b");
        assert_eq!(enc("🎵"), "_xD83C__xDFB5_");
        assert_eq!(enc("a_x"), "a_x005F_x");
        assert_eq!(enc("_X000a_"), "_x005F_X000a_");
        assert_eq!(enc("Order_Details_"), "Order_Details_");
        assert_eq!(enc("\u{7F}\u{9F}\u{A0}"), "_x007F__x009F_\u{A0}");
        assert_eq!(enc("<&>\""), "&lt;&amp;&gt;\"");
        let mut attr = String::new();
        encode_string(&mut attr, "\"q\"", true);
        assert_eq!(attr, "&quot;q&quot;");
    }

    #[test]
    fn encode_then_decode_is_identity() {
        for s in [
            "",
            "plain",
            "_x005F_",
            "a_xb_X",
            "\0\u{1}\u{1F}",
            "emoji 🎵𝄞",
            "__x__",
        ] {
            let encoded = enc(s);
            let xml = unescape_xml(encoded.as_bytes(), TextKind::Content).unwrap();
            assert_eq!(decode_name(&xml), s);
        }
    }

    #[test]
    fn unescapes_entities_and_line_ends() {
        let got = unescape_xml(
            b"a&lt;&gt;&amp;&quot;&apos;&#65;&#x1;\r\nb\rc",
            TextKind::Content,
        );
        assert_eq!(got.unwrap(), "a<>&\"'A\u{1}\nb\nc");
        let attr = unescape_xml(b"a\tb\r\nc", TextKind::Attribute).unwrap();
        assert_eq!(attr, "a b c");
        for bad in [
            &b"&nbsp;"[..],
            b"&#xD800;",
            b"&#;",
            b"&#x-1;",
            b"&amp",
            b"\xff",
        ] {
            assert!(unescape_xml(bad, TextKind::Content).is_err(), "{bad:?}");
        }
    }
}
