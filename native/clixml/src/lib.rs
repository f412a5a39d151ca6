//! CliXml: the XML form PowerShell uses for `Export-Clixml`, `[PSSerializer]` and remoting
//! message bodies (MS-PSRP §2.2.5). Decoding keeps everything a faithful re-encode needs:
//! type names as written, adapted (`Props`) vs extended (`MS`) members, `ToString`, the base
//! value of extended primitives, and object references (never expanded).
//!
//! Known lossy corners (the value model holds Rust strings): a lone surrogate in a string
//! (`_xD800_`) decodes to U+FFFD, and the stream attribute `S` of `-OutputFormat xml`
//! top-level elements is not kept.

mod access;
mod decoder;
#[cfg(test)]
mod element_tests;
mod encoder;
mod error;
mod escape;
mod limits;
mod number;
mod parser;
mod plain;
mod referenced;
mod scan;
mod scope;
mod secure;
mod source;
mod tag;
mod time;
mod tokenizer;
pub mod value;

pub use decoder::{Decoder, decode_document, decode_fragment, decode_fragment_bytes};
pub use encoder::{DOCUMENT_ROOT, encode_document, encode_fragment};
pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
pub use referenced::Referenced;
pub use secure::for_each_secure_string;
pub use source::{InMemory, Input, Streamed};
pub use value::*;
