//! Rust-owned byte buffers handed to the caller, and UTF-8 string arguments read from it.

use crate::error::FfiError;
use crate::panic::boundary_void;

/// Bytes allocated by Rust. The caller reads `len` bytes at `ptr`, then releases them exactly
/// once with `psuj_buffer_free`. An empty buffer has a null `ptr`.
#[repr(C)]
#[derive(Debug)]
pub struct PsujBuffer {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

impl PsujBuffer {
    pub const fn empty() -> Self {
        PsujBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    /// Hands `bytes` to the caller; `psuj_buffer_free` rebuilds the `Vec` from the same parts.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        if bytes.capacity() == 0 {
            return Self::empty();
        }
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        PsujBuffer {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// Takes the allocation back (leaving `self` empty) so it is dropped by Rust.
    fn take(&mut self) -> Option<Vec<u8>> {
        let taken = std::mem::replace(self, Self::empty());
        if taken.ptr.is_null() {
            return None;
        }
        // SAFETY: a non-null buffer was built by `from_vec` from exactly these parts, and
        // `replace` above guarantees we rebuild it once.
        Some(unsafe { Vec::from_raw_parts(taken.ptr, taken.len, taken.cap) })
    }
}

/// Writes `bytes` into the caller's out parameter, rejecting a null one.
pub fn write_out(out: *mut PsujBuffer, bytes: Vec<u8>) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null_argument("out buffer"));
    }
    // SAFETY: non-null, and the caller passes a pointer to a writable PsujBuffer; we overwrite
    // without reading, so an uninitialised struct is fine.
    unsafe { out.write(PsujBuffer::from_vec(bytes)) };
    Ok(())
}

/// Borrows a UTF-8 argument given as pointer + length. A null pointer is only valid with 0.
pub fn utf8_arg<'a>(ptr: *const u8, len: usize, what: &'static str) -> Result<&'a str, FfiError> {
    std::str::from_utf8(bytes_arg(ptr, len, what)?)
        .map_err(|e| FfiError::invalid_argument(format!("{what} is not valid UTF-8: {e}")))
}

/// Borrows a byte argument given as pointer + length. A null pointer is only valid with 0.
pub fn bytes_arg<'a>(ptr: *const u8, len: usize, what: &'static str) -> Result<&'a [u8], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null_argument(what));
    }
    // SAFETY: the caller guarantees `ptr` points at `len` readable bytes that stay alive and
    // unmodified for the duration of this call (the borrow does not escape the call).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Releases a buffer returned by any `psuj_*` call and resets it to empty. NULL and empty
/// buffers are accepted, so freeing twice through the same struct is harmless.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_buffer_free(buffer: *mut PsujBuffer) {
    boundary_void(|| {
        // SAFETY: null is checked; otherwise the caller passes a buffer it got from us.
        if let Some(buffer) = unsafe { buffer.as_mut() } {
            drop(buffer.take());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_round_trips_and_free_is_idempotent() {
        let mut buf = PsujBuffer::from_vec(b"abc".to_vec());
        assert_eq!(buf.len, 3);
        psuj_buffer_free(&mut buf);
        assert!(buf.ptr.is_null());
        psuj_buffer_free(&mut buf);
        psuj_buffer_free(std::ptr::null_mut());
    }

    #[test]
    fn null_argument_is_an_error_unless_empty() {
        assert_eq!(utf8_arg(std::ptr::null(), 0, "x").unwrap(), "");
        assert!(utf8_arg(std::ptr::null(), 3, "x").is_err());
        let bad = [0xffu8, 0xfe];
        assert!(utf8_arg(bad.as_ptr(), 2, "x").is_err());
    }
}
