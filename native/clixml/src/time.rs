//! `DT` (xs:dateTime via `XmlConvert`, `RoundtripKind`) and `TS` (xs:duration via
//! `XsdDuration`) text forms, in .NET's 100 ns ticks.

use crate::number::trim_xml;
use crate::value::{DateKind, DateTime};
use std::fmt::Write;

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// `DateTime.MaxValue.Ticks`.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// Days from 0001-01-01 to 1970-01-01.
const EPOCH_DAYS: i64 = 719_162;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// A cursor over ASCII date/duration text.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.0.first() == Some(&b);
        if hit {
            self.0 = &self.0[1..];
        }
        hit
    }

    /// Exactly `n` digits.
    fn fixed(&mut self, n: usize) -> Option<i64> {
        let digits = self.0.get(..n)?;
        self.0 = &self.0[n..];
        digits.iter().try_fold(0i64, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    }

    /// One or more digits, as text.
    fn digits(&mut self) -> Option<&[u8]> {
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        let (digits, rest) = self.0.split_at(n);
        self.0 = rest;
        (n > 0).then_some(digits)
    }

    /// A fraction's digits as 100 ns ticks (extra digits truncated).
    fn fraction_ticks(&mut self) -> Option<i64> {
        let digits = self.digits()?;
        Some((0..7).fold(0i64, |acc, i| {
            acc * 10 + digits.get(i).map_or(0, |&b| i64::from(b - b'0'))
        }))
    }
}

pub(crate) fn parse_datetime(text: &str) -> Option<DateTime> {
    let mut c = Cursor(trim_xml(text).as_bytes());
    let y = c.fixed(4)?;
    c.eat(b'-').then_some(())?;
    let m = c.fixed(2)?;
    c.eat(b'-').then_some(())?;
    let d = c.fixed(2)?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || y < 1 {
        return None;
    }
    let mut ticks = (days_from_civil(y, m, d) + EPOCH_DAYS) * TICKS_PER_DAY;
    if c.eat(b'T') {
        let h = c.fixed(2)?;
        c.eat(b':').then_some(())?;
        let min = c.fixed(2)?;
        c.eat(b':').then_some(())?;
        let s = c.fixed(2)?;
        if h > 23 || min > 59 || s > 59 {
            return None;
        }
        ticks += h * TICKS_PER_HOUR + min * TICKS_PER_MINUTE + s * TICKS_PER_SECOND;
        if c.eat(b'.') {
            ticks += c.fraction_ticks()?;
        }
    }
    let kind = if c.eat(b'Z') {
        DateKind::Utc
    } else if let Some(&sign @ (b'+' | b'-')) = c.0.first() {
        c.0 = &c.0[1..];
        let h = c.fixed(2)?;
        c.eat(b':').then_some(())?;
        let min = c.fixed(2)?;
        let total = h * 60 + min;
        if min > 59 || total > 14 * 60 {
            return None;
        }
        DateKind::Offset((if sign == b'-' { -total } else { total }) as i16)
    } else {
        DateKind::Unspecified
    };
    (c.0.is_empty() && ticks <= MAX_TICKS).then_some(DateTime { ticks, kind })
}

/// The `xs:dateTime` text a `DT` element holds (`XmlConvert`'s round-trip form: fraction
/// digits as needed, then `Z`, an offset, or nothing).
impl std::fmt::Display for DateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::new();
        format_datetime(&mut text, *self);
        f.write_str(&text)
    }
}

pub(crate) fn format_datetime(out: &mut String, dt: DateTime) {
    let ticks = dt.ticks.clamp(0, MAX_TICKS);
    let (y, m, d) = civil_from_days(ticks / TICKS_PER_DAY - EPOCH_DAYS);
    let time = ticks % TICKS_PER_DAY;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        time / TICKS_PER_HOUR,
        time % TICKS_PER_HOUR / TICKS_PER_MINUTE,
        time % TICKS_PER_MINUTE / TICKS_PER_SECOND
    );
    push_fraction(out, time % TICKS_PER_SECOND);
    match dt.kind {
        DateKind::Unspecified => {}
        DateKind::Utc => out.push('Z'),
        DateKind::Offset(minutes) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let abs = minutes.unsigned_abs();
            let _ = write!(out, "{sign}{:02}:{:02}", abs / 60, abs % 60);
        }
    }
}

/// `.fffffff` with trailing zeros trimmed, nothing if zero.
fn push_fraction(out: &mut String, ticks: i64) {
    if ticks != 0 {
        let digits = format!("{ticks:07}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// `XsdDuration` text to ticks: `-?P(nY)?(nM)?(nD)?(T(nH)?(nM)?(n(.n)?S)?)?`, with a year as
/// 365 days and a month as 30, overflow checked against the `TimeSpan` range.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let mut c = Cursor(trim_xml(text).as_bytes());
    let negative = c.eat(b'-');
    c.eat(b'P').then_some(())?;
    let mut total: i128 = 0;
    let mut any = false;
    let number = |c: &mut Cursor| -> Option<i128> {
        std::str::from_utf8(c.digits()?)
            .ok()?
            .parse::<i128>()
            .ok()
            .filter(|n| *n < 1 << 64)
    };
    for (unit, ticks) in [
        (b'Y', 365 * TICKS_PER_DAY),
        (b'M', 30 * TICKS_PER_DAY),
        (b'D', TICKS_PER_DAY),
    ] {
        let save = c.0;
        if let Some(n) = number(&mut c)
            && c.eat(unit)
        {
            total += n * i128::from(ticks);
            any = true;
            continue;
        }
        c.0 = save;
    }
    if c.eat(b'T') {
        let mut any_time = false;
        for (unit, ticks) in [
            (b'H', TICKS_PER_HOUR),
            (b'M', TICKS_PER_MINUTE),
            (b'S', TICKS_PER_SECOND),
        ] {
            let save = c.0;
            if let Some(n) = number(&mut c) {
                let fraction = if unit == b'S' && c.eat(b'.') {
                    c.fraction_ticks()?
                } else {
                    0
                };
                if c.eat(unit) {
                    total += n * i128::from(ticks) + i128::from(fraction);
                    any_time = true;
                    continue;
                }
            }
            c.0 = save;
        }
        any_time.then_some(())?;
        any = true;
    }
    if !any || !c.0.is_empty() {
        return None;
    }
    let signed = if negative { -total } else { total };
    i64::try_from(signed).ok()
}

pub(crate) fn format_duration(out: &mut String, ticks: i64) {
    if ticks < 0 {
        out.push('-');
    }
    let abs = ticks.unsigned_abs();
    let unit = |t: i64| t as u64;
    let days = abs / unit(TICKS_PER_DAY);
    let rest = abs % unit(TICKS_PER_DAY);
    out.push('P');
    if days != 0 {
        let _ = write!(out, "{days}D");
    }
    if rest != 0 {
        out.push('T');
        let (h, m) = (
            rest / unit(TICKS_PER_HOUR),
            rest % unit(TICKS_PER_HOUR) / unit(TICKS_PER_MINUTE),
        );
        let (s, f) = (
            rest % unit(TICKS_PER_MINUTE) / unit(TICKS_PER_SECOND),
            rest % unit(TICKS_PER_SECOND),
        );
        if h != 0 {
            let _ = write!(out, "{h}H");
        }
        if m != 0 {
            let _ = write!(out, "{m}M");
        }
        if s != 0 || f != 0 {
            let _ = write!(out, "{s}");
            push_fraction(out, f as i64);
            out.push('S');
        }
    } else if days == 0 {
        out.push_str("T0S");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(text: &str) -> String {
        let mut out = String::new();
        format_datetime(
            &mut out,
            parse_datetime(text).unwrap_or_else(|| panic!("{text}")),
        );
        out
    }

    fn ts(text: &str) -> String {
        let mut out = String::new();
        format_duration(
            &mut out,
            parse_duration(text).unwrap_or_else(|| panic!("{text}")),
        );
        out
    }

    #[test]
    fn datetimes_round_trip_byte_identically() {
        for s in [
            "2021-07-23T20:07:53.0758546-05:00",
            "2017-12-05T23:34:41-08:00",
            "2018-06-13T23:45:29.4583203+00:00",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59.9999999",
            "2000-02-29T12:00:00.5+14:00",
        ] {
            assert_eq!(dt(s), s);
        }
        assert_eq!(
            parse_datetime("1970-01-01T00:00:00Z").unwrap().ticks,
            621_355_968_000_000_000
        );
        assert_eq!(dt("2020-01-02"), "2020-01-02T00:00:00");
        assert_eq!(
            dt("2020-01-02T03:04:05.123456789Z"),
            "2020-01-02T03:04:05.1234567Z"
        );
    }

    #[test]
    fn refuses_bad_datetimes() {
        for bad in [
            "",
            "2021-02-29T00:00:00",
            "2021-13-01",
            "2021-01-01T24:00:00",
            "2021-01-01T00:00:00+15:00",
            "2021-01-01T00:00",
            "0000-01-01",
            "2021-01-01Zx",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_follow_xsdduration() {
        for s in [
            "PT0S",
            "PT9.0269026S",
            "P1DT3S",
            "PT0.015625S",
            "-PT1S",
            "P1DT1H1M1.5S",
            "P1D",
            "PT10S",
            "P10675199DT2H48M5.4775807S",
        ] {
            assert_eq!(ts(s), s);
        }
        assert_eq!(parse_duration("P1Y"), Some(365 * TICKS_PER_DAY));
        assert_eq!(parse_duration("P1M"), Some(30 * TICKS_PER_DAY));
        assert_eq!(parse_duration(" PT1M "), Some(TICKS_PER_MINUTE));
        for bad in [
            "",
            "P",
            "PT",
            "1D",
            "P1H",
            "PT1D",
            "P99999999999999999999D",
            "P10675199DT2H48M5.4775808S",
            "PT1.S",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let mut min = String::new();
        format_duration(&mut min, i64::MIN);
        assert_eq!(parse_duration(&min), Some(i64::MIN));
    }
}
