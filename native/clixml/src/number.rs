//! Numeric text forms: `XmlConvert` parsing leniency (surrounding whitespace, a sign only on
//! signed types, `INF`/`-INF`) and .NET's round-trip float formatting (shortest digits,
//! `E+XX` exponents) so that encoded numbers match PowerShell's bytes.

use crate::tokenizer::is_space;
use std::fmt::Write;

/// Trims XML whitespace, byte-wise: cheaper than a `char` pattern on these short texts.
pub(crate) fn trim_xml(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    // Whitespace is ASCII, so both ends fall on char boundaries.
    &text[start..end]
}

/// Signed integers: optional sign, surrounding whitespace.
pub(crate) fn parse_signed<T: std::str::FromStr>(text: &str) -> Option<T> {
    trim_xml(text).parse().ok()
}

/// Unsigned integers: surrounding whitespace but no sign (`+5` is refused by `XmlConvert`).
pub(crate) fn parse_unsigned<T: std::str::FromStr>(text: &str) -> Option<T> {
    let t = trim_xml(text);
    if t.starts_with(['+', '-']) {
        None
    } else {
        t.parse().ok()
    }
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match trim_xml(text) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `Db`/`Sg`: `INF`, `-INF`, `NaN`, the .NET symbols `Infinity`/`-Infinity`, or a decimal
/// number with optional exponent.
pub(crate) fn parse_float<T: std::str::FromStr + Float>(text: &str) -> Option<T> {
    let t = trim_xml(text);
    match t {
        "INF" | "Infinity" | "+Infinity" => return Some(T::INFINITY),
        "-INF" | "-Infinity" => return Some(T::NEG_INFINITY),
        "NaN" => return Some(T::NAN),
        _ => {}
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    // Rust also accepts "inf"/"nan" spellings that .NET refuses.
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    t.parse().ok()
}

/// `D`: sign, digits, optional decimal point; no exponent; within `System.Decimal` range.
/// Returns the trimmed text, which is what the value model keeps.
pub(crate) fn parse_decimal(text: &str) -> Option<&str> {
    const MAX: &str = "79228162514264337593543950335";
    let t = trim_xml(text);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let in_range = int.len() < MAX.len() || (int.len() == MAX.len() && int <= MAX);
    in_range.then_some(t)
}

/// `Version`: `major.minor[.build[.revision]]`, each a non-negative `Int32`.
pub(crate) fn parse_version(text: &str) -> Option<&str> {
    let t = trim_xml(text);
    let parts = t.split('.').count();
    let valid = (2..=4).contains(&parts)
        && t.split('.').all(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<i32>().is_ok()
        });
    valid.then_some(t)
}

/// The float types, for the shared parse/format code.
pub(crate) trait Float: Copy + std::fmt::LowerExp {
    const INFINITY: Self;
    const NEG_INFINITY: Self;
    const NAN: Self;
    /// `R` switches to exponent notation past this many integer digits (.NET's
    /// `MaxRoundTripDigits`: 17 for double, 9 for single).
    const ROUND_TRIP_DIGITS: i32;
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn is_zero(self) -> bool;
}

macro_rules! float {
    ($t:ty, $digits:expr) => {
        impl Float for $t {
            const INFINITY: Self = <$t>::INFINITY;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            const NAN: Self = <$t>::NAN;
            const ROUND_TRIP_DIGITS: i32 = $digits;
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn is_zero(self) -> bool {
                self == 0.0
            }
        }
    };
}
float!(f64, 17);
float!(f32, 9);

/// `XmlConvert.ToString(double|float)`: `INF`, `-INF`, `NaN`, `-0`, otherwise the shortest
/// round-trip digits laid out like .NET's `"R"` format.
pub(crate) fn format_float<T: Float>(out: &mut String, v: T) {
    if v.is_nan() {
        return out.push_str("NaN");
    }
    if v.is_infinite() {
        return out.push_str(if v.is_sign_negative() { "-INF" } else { "INF" });
    }
    if v.is_zero() {
        return out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if negative {
        out.push('-');
    }
    // Position of the decimal point relative to the digits, as in .NET's `number.Scale`.
    let scale = exp + 1;
    if scale > T::ROUND_TRIP_DIGITS || scale < -3 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "E{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if scale <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let scale = scale as usize;
        if scale >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
        } else {
            out.push_str(&digits[..scale]);
            out.push('.');
            out.push_str(&digits[scale..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(v: f64) -> String {
        let mut s = String::new();
        format_float(&mut s, v);
        s
    }

    fn f32s(v: f32) -> String {
        let mut s = String::new();
        format_float(&mut s, v);
        s
    }

    #[test]
    fn formats_doubles_like_xmlconvert() {
        // Expected strings captured from pwsh 7.6: [System.Xml.XmlConvert]::ToString([double]x).
        let cases = [
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1e17, "1E+17"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (123456789012345680.0, "1.2345678901234568E+17"),
            (f64::MAX, "1.7976931348623157E+308"),
            (5e-324, "5E-324"),
            (0.1, "0.1"),
            (-1e-7, "-1E-07"),
            (1.5, "1.5"),
            (-0.0, "-0"),
            (0.0, "0"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(f64s(v), want);
        }
        assert_eq!(f32s(1e7), "10000000");
        assert_eq!(f32s(1e9), "1E+09");
        assert_eq!(f32s(0.1), "0.1");
        assert_eq!(f32s(f32::MAX), "3.4028235E+38");
        assert_eq!(f32s(1e-5), "1E-05");
    }

    #[test]
    fn parses_floats_leniently_but_not_rust_spellings() {
        assert_eq!(parse_float::<f64>(" 1E+20 "), Some(1e20));
        assert_eq!(parse_float::<f64>("INF"), Some(f64::INFINITY));
        assert_eq!(parse_float::<f64>("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float::<f64>("NaN").unwrap().is_nan());
        assert!(parse_float::<f64>("-0").unwrap().is_sign_negative());
        assert_eq!(parse_float::<f32>("1e-05"), Some(1e-5));
        for bad in ["inf", "nan", "", "1,5", "0x10", "infinity"] {
            assert_eq!(parse_float::<f64>(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_integers_with_xmlconvert_rules() {
        assert_eq!(parse_signed::<i32>(" -5\n"), Some(-5));
        assert_eq!(parse_signed::<i8>("+7"), Some(7));
        assert_eq!(parse_signed::<i8>("128"), None);
        assert_eq!(parse_unsigned::<u8>(" 255 "), Some(255));
        assert_eq!(parse_unsigned::<u16>("+5"), None);
        assert_eq!(parse_unsigned::<u64>("-0"), None);
        assert_eq!(parse_bool(" 1"), Some(true));
        assert_eq!(parse_bool("True"), None);
    }

    #[test]
    fn validates_decimals_and_versions() {
        assert_eq!(parse_decimal(" -1.50 "), Some("-1.50"));
        assert_eq!(
            parse_decimal("79228162514264337593543950335"),
            Some("79228162514264337593543950335")
        );
        assert_eq!(parse_decimal("79228162514264337593543950336"), None);
        for bad in ["", ".", "1e5", "1.2.3", "--1"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(parse_version("1.2.3.4"), Some("1.2.3.4"));
        for bad in ["1", "1.2.3.4.5", "1..2", "1.-2", "1.2147483648"] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }
}
