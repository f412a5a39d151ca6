//! CliXml: the XML form PowerShell uses for `Export-Clixml`, `[PSSerializer]` and remoting
//! message bodies (MS-PSRP §2.2.5). Decoding keeps everything a faithful re-encode needs:
//! type names as written, adapted (`Props`) vs extended (`MS`) members, `ToString`, the base
//! value of extended primitives, and object references.

pub mod value;

pub use value::*;
