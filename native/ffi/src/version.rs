//! Library identity, so the module can check it loaded the native library it was built with.

use crate::buffer::{PsujBuffer, write_out};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// Writes the crate version (UTF-8, e.g. `0.1.0`) into `out_buffer`.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_version(out_buffer: *mut PsujBuffer, error: *mut PsujError) -> PsujStatus {
    boundary(error, || {
        write_out(out_buffer, env!("CARGO_PKG_VERSION").as_bytes().to_vec())
    })
}
