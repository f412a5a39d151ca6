//! Typed decode errors. Every error carries the byte offset where the problem was found so that
//! a caller can point at the offending input; no input may panic the decoder instead.

use std::fmt;

/// What went wrong. Limits have their own variants so callers can tell "hostile or too big"
/// from "malformed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("I/O error: {0}")]
    Io(String),
    #[error("input is not valid UTF-8 or UTF-16")]
    Encoding,
    #[error("unexpected end of input")]
    UnexpectedEof,
    #[error("malformed XML: {0}")]
    Syntax(&'static str),
    #[error("DTDs and entity declarations are not allowed")]
    Dtd,
    #[error("unknown entity or invalid character reference")]
    Entity,
    #[error("no <Objs> root element")]
    MissingRoot,
    #[error("unsupported CliXml version {0:?} (major version must be 1)")]
    Version(String),
    #[error("unknown element <{0}>")]
    UnknownElement(String),
    #[error("element <{found}> is not allowed here (expected {expected})")]
    UnexpectedElement {
        found: String,
        expected: &'static str,
    },
    #[error("mismatched end tag </{found}> (expected </{expected}>)")]
    MismatchedEnd { found: String, expected: String },
    #[error("unexpected text content")]
    UnexpectedText,
    #[error("element <{element}> needs attribute {attribute}")]
    MissingAttribute {
        element: &'static str,
        attribute: &'static str,
    },
    #[error("invalid <{element}> value {text:?}")]
    InvalidValue { element: &'static str, text: String },
    #[error("reference to undefined object RefId {0:?}")]
    DanglingRef(String),
    #[error("reference to undefined type-name list RefId {0:?}")]
    DanglingTypeRef(String),
    #[error("<Obj> has more than one base value")]
    DuplicateBase,
    #[error("content after the value")]
    TrailingContent,
    #[error("nesting deeper than the limit of {0}")]
    DepthLimit(usize),
    #[error("more than {0} objects")]
    ObjectLimit(usize),
    #[error("more than {0} references")]
    RefLimit(usize),
    #[error("input longer than {0} bytes")]
    ByteLimit(u64),
    #[error("a string or tag longer than {0} bytes")]
    StringLimit(usize),
}

/// A decode error at a byte offset. For UTF-16 input the offset counts the UTF-8 bytes the
/// input was transcoded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// Byte offset into the (UTF-8) input where the offending token starts.
    pub position: u64,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, position: u64) -> Self {
        Error { kind, position }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CliXml: {} at byte {}", self.kind, self.position)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
