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

        /// Each name packed by [`key`], as constants a `match` can dispatch on.
        #[allow(non_upper_case_globals)]
        mod keys {
            $(pub(super) const $tag: u64 = super::key(stringify!($tag).as_bytes());)*
        }

        impl Tag {
            /// The element name, for messages (and the encoder).
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Tag::$tag => stringify!($tag),)*
                    Tag::Unknown => "?",
                }
            }

            /// Classifies a local name (no prefix) by its packed bytes: one integer match
            /// instead of a chain of string comparisons. Packing pads with zeros, so the
            /// length check makes the match exact even for names containing NUL bytes.
            fn from_local(local: &[u8]) -> Tag {
                if local.len() > 8 {
                    return Tag::Unknown;
                }
                let tag = match key(local) {
                    $(keys::$tag => Tag::$tag,)*
                    _ => return Tag::Unknown,
                };
                if tag.name().len() == local.len() { tag } else { Tag::Unknown }
            }
        }
    };
}

/// Up to 8 bytes as a little-endian integer, zero-padded.
const fn key(name: &[u8]) -> u64 {
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

impl Tag {
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
