//! RefId bookkeeping for one serializer scope (a document or a remoting message): object
//! ids and type-name-list ids are separate namespaces (MS-PSRP 2.2.5.2.3).

use std::collections::HashMap;
use std::fmt;

/// A `RefId` attribute value. PowerShell writes dense decimal counters, which take a
/// `Vec`-indexed fast path; any other string is legal and goes to a map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RefKey {
    Num(u64),
    Text(Box<str>),
}

impl RefKey {
    pub(crate) fn parse(text: &str) -> RefKey {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            RefKey::from_digits(text.as_bytes())
        } else {
            RefKey::Text(text.into())
        }
    }

    /// [`RefKey::parse`] of ASCII digits (or nothing).
    pub(crate) fn from_digits(digits: &[u8]) -> RefKey {
        // At most 18 digits always fit a u64; a leading zero would make two spellings of one key.
        let canonical =
            !digits.is_empty() && digits.len() <= 18 && (digits == b"0" || digits[0] != b'0');
        if canonical {
            RefKey::Num(digits.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
        } else {
            // Only ASCII digits, so a valid string.
            RefKey::Text(String::from_utf8_lossy(digits).into())
        }
    }
}

impl fmt::Display for RefKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefKey::Num(n) => write!(f, "{n}"),
            RefKey::Text(t) => f.write_str(t),
        }
    }
}

/// Maps RefIds to values; a redefinition replaces the earlier one (PowerShell's release
/// builds tolerate duplicates, last wins).
pub(crate) struct IdTable<T> {
    dense: Vec<T>,
    sparse: HashMap<RefKey, T>,
}

impl<T> Default for IdTable<T> {
    fn default() -> Self {
        IdTable {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }
}

impl<T> IdTable<T> {
    pub(crate) fn insert(&mut self, key: RefKey, value: T) {
        match key {
            RefKey::Num(n) if n < self.dense.len() as u64 => self.dense[n as usize] = value,
            RefKey::Num(n) if n == self.dense.len() as u64 => self.dense.push(value),
            key => {
                self.sparse.insert(key, value);
            }
        }
    }

    pub(crate) fn get(&self, key: &RefKey) -> Option<&T> {
        match key {
            // Once the dense table reaches `n`, dense[n] is the latest definition of `n`.
            RefKey::Num(n) if *n < self.dense.len() as u64 => self.dense.get(*n as usize),
            key => self.sparse.get(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_resolve_to_the_latest_definition() {
        let mut t = IdTable::default();
        t.insert(RefKey::parse("2"), 'a');
        t.insert(RefKey::parse("0"), 'b');
        t.insert(RefKey::parse("1"), 'c');
        t.insert(RefKey::parse("2"), 'd');
        t.insert(RefKey::parse("RefId-0"), 'e');
        t.insert(RefKey::parse("01"), 'f');
        t.insert(RefKey::parse("0"), 'g');
        let get = |k: &str| t.get(&RefKey::parse(k)).copied();
        assert_eq!(
            [
                get("0"),
                get("1"),
                get("2"),
                get("RefId-0"),
                get("01"),
                get("3")
            ],
            [Some('g'), Some('c'), Some('d'), Some('e'), Some('f'), None]
        );
    }
}
