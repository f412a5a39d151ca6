//! CliXml element names (`SerializationStrings.cs`), classified once per tag so that the
//! parser matches on an enum instead of comparing strings.

/// Declares the `Tag` variants once; each is spelled exactly like the element it stands for,
/// so its name comes from `stringify!` and the classifier cannot drift from the list.
macro_rules! tags {
    ($($(#[doc = $doc:literal])* $tag:ident),* $(,)?) => {
        // Variants are spelled exactly like the element names they stand for.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Tag {
            $($(#[doc = $doc])* $tag,)*
            Unknown,
        }

        impl Tag {
            /// Every tag but `Unknown`.
            const ALL: &[Tag] = &[$(Tag::$tag,)*];

            /// The element name, for messages (and the encoder).
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Tag::$tag => stringify!($tag),)*
                    Tag::Unknown => "?",
                }
            }
        }
    };
}

/// Up to 8 bytes as a little-endian integer, zero-padded.
pub(crate) const fn key(name: &[u8]) -> u64 {
    let mut k = 0u64;
    let mut i = 0;
    while i < name.len() && i < 8 {
        k |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

tags! {
    // Primitive values.
    S, C, B, DT, TS, By, SB, U16, I16, U32, I32, U64, I64, Sg, Db, D, BA, G, URI, Version, XD,
    SBK, SS, PR, Nil,
    // Objects and their parts.
    Obj, Ref, TN, TNRef, T, ToString, Props, MS, LST, IE, STK, QUE, DCT, En, Objs,
    // ProgressRecord children (`T` is shared with type names).
    AV, AI, PI, PC, SR, SD,
}

/// A perfect hash of the packed names: `SLOTS[hash(key)]` holds the only tag whose name could
/// pack to `key`. The multiplier was found by search; building the table checks, at compile
/// time, that no two names share a slot, so a new tag that collides fails the build.
const HASH_MUL: u64 = 0x325e_7e58_d76c_9ecb;
const HASH_BITS: u32 = 7;

const fn slot(key: u64) -> usize {
    (key.wrapping_mul(HASH_MUL) >> (64 - HASH_BITS)) as usize
}

/// Each slot: the packed name, its length and the tag (`Unknown` in empty slots).
static SLOTS: [(u64, usize, Tag); 1 << HASH_BITS] = {
    let mut slots = [(0, 0, Tag::Unknown); 1 << HASH_BITS];
    let mut i = 0;
    while i < Tag::ALL.len() {
        let tag = Tag::ALL[i];
        let name = tag.name().as_bytes();
        let at = slot(key(name));
        assert!(
            matches!(slots[at].2, Tag::Unknown),
            "two tag names share a hash slot: choose another HASH_MUL"
        );
        slots[at] = (key(name), name.len(), tag);
        i += 1;
    }
    slots
};

/// The first 8 bytes of `</name>`, packed like [`key`].
const fn end_key(name: &[u8]) -> u64 {
    let mut k = (b'<' as u64) | (b'/' as u64) << 8;
    let mut i = 0;
    while i < name.len() && i < 6 {
        k |= (name[i] as u64) << (8 * (i + 2));
        i += 1;
    }
    if name.len() < 6 {
        k |= (b'>' as u64) << (8 * (name.len() + 2));
    }
    k
}

/// Each tag's end tag packed by [`end_key`], by discriminant.
static END_KEYS: [u64; Tag::ALL.len() + 1] = {
    let mut keys = [0; Tag::ALL.len() + 1];
    let mut i = 0;
    while i < Tag::ALL.len() {
        keys[Tag::ALL[i] as usize] = end_key(Tag::ALL[i].name().as_bytes());
        i += 1;
    }
    keys
};

impl Tag {
    /// The end tag `</name>` packed by [`end_key`] (its first 8 bytes), and its length.
    pub(crate) fn end_key(self) -> (u64, usize) {
        (END_KEYS[self as usize], self.name().len() + 3)
    }

    /// Classifies a local name (no prefix) of `len` bytes by its packed bytes, `key`: one
    /// table lookup instead of string comparisons. Packing pads with zeros, so the length
    /// check makes the match exact even for names containing NUL bytes.
    pub(crate) fn from_key(key: u64, len: usize) -> Tag {
        let (name, name_len, tag) = SLOTS[slot(key)];
        if name == key && name_len == len {
            tag
        } else {
            Tag::Unknown
        }
    }

    /// Classifies a local name (no prefix).
    fn from_local(local: &[u8]) -> Tag {
        if local.len() > 8 {
            return Tag::Unknown;
        }
        Tag::from_key(key(local), local.len())
    }

    /// Classifies a (possibly prefixed) element name; namespaces are not compared.
    pub(crate) fn from_name(name: &[u8]) -> Tag {
        // No CliXml name contains ':', so an unprefixed name (what PowerShell writes) needs
        // no search for one.
        match Tag::from_local(name) {
            Tag::Unknown => match name.iter().rposition(|&b| b == b':') {
                Some(i) => Tag::from_local(&name[i + 1..]),
                None => Tag::Unknown,
            },
            tag => tag,
        }
    }

    /// Whether an end tag's name closes an element of this tag: the unprefixed spelling is
    /// checked first, as it is what PowerShell writes.
    pub(crate) fn closed_by(self, name: &[u8]) -> bool {
        name == self.name().as_bytes() || Tag::from_name(name) == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names_exactly() {
        for tag in [
            Tag::S,
            Tag::ToString,
            Tag::Version,
            Tag::TNRef,
            Tag::Objs,
            Tag::SD,
        ] {
            assert_eq!(Tag::from_name(tag.name().as_bytes()), tag);
            let prefixed = format!("ps:{}", tag.name());
            assert_eq!(Tag::from_name(prefixed.as_bytes()), tag);
            assert!(tag.closed_by(prefixed.as_bytes()));
        }
        for other in [
            &b""[..],
            b"s",
            b"S\0",
            b"Obj\0\0",
            b"ToStrings",
            b"ToStringX",
            b"Sx",
            b"a:",
            b"?",
        ] {
            assert_eq!(Tag::from_name(other), Tag::Unknown, "{other:?}");
        }
        assert!(!Tag::S.closed_by(b"I32"));
    }
}
