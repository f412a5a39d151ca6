//! Byte searches tuned for CliXml's shape: markup, names and most values are a few bytes long,
//! where a plain loop beats a SIMD search's set-up cost, but text can also run to megabytes,
//! where `memchr` is an order of magnitude faster. So: a short plain scan, then `memchr`.

/// How many bytes the plain scan looks at before handing over to `memchr`.
const SHORT: usize = 32;

/// Index of the first `a` in `hay`.
pub(crate) fn find_byte(a: u8, hay: &[u8]) -> Option<usize> {
    let (head, tail) = hay.split_at(hay.len().min(SHORT));
    match head.iter().position(|&b| b == a) {
        Some(i) => Some(i),
        None => memchr::memchr(a, tail).map(|i| i + SHORT),
    }
}

/// Index of the first `a` or `b` in `hay`.
pub(crate) fn find_byte2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    let (head, tail) = hay.split_at(hay.len().min(SHORT));
    match head.iter().position(|&x| x == a || x == b) {
        Some(i) => Some(i),
        None => memchr::memchr2(a, b, tail).map(|i| i + SHORT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_across_the_short_scan_boundary() {
        for len in [0, 1, SHORT - 1, SHORT, SHORT + 1, 200] {
            for at in [0, SHORT - 1, SHORT, SHORT + 5, 150] {
                let mut hay = vec![b'.'; len];
                let want = (at < len).then_some(at);
                if let Some(i) = want {
                    hay[i] = b'x';
                }
                assert_eq!(find_byte(b'x', &hay), want, "{len} {at}");
                assert_eq!(find_byte2(b'y', b'x', &hay), want, "{len} {at}");
            }
        }
        assert_eq!(find_byte2(b'a', b'b', b"..b.a"), Some(2));
    }
}
