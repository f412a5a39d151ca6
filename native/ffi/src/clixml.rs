//! CliXml decoding for `ConvertFrom-PSUCliXml`: a decoder handle over a file or a byte copy,
//! pulled in batches so memory stays bounded however large the document is. Each batch is in
//! the wire format of [`crate::wire`] (BUFFER.md).

use crate::buffer::{PsujBuffer, bytes_arg, utf8_arg, write_out};
use crate::cancel::{CancelToken, PsujCancel};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::{boundary, boundary_void};
use crate::wire::BatchWriter;
use std::io::{BufRead, BufReader, Cursor};

type Source = Box<dyn BufRead + Send>;

/// Opaque decoder handle: the streaming codec plus the wire tables that span the document.
pub struct PsujClixmlDecoder {
    decoder: clixml::Decoder<Source>,
    writer: BatchWriter,
    /// An error met after some values of a batch were decoded: those values are returned
    /// first, and the error on the following call (as Import-Clixml emits objects, then fails).
    pending: Option<FfiError>,
    done: bool,
}

impl PsujClixmlDecoder {
    fn new(source: Source) -> Self {
        PsujClixmlDecoder {
            decoder: clixml::Decoder::new(source),
            writer: BatchWriter::default(),
            pending: None,
            done: false,
        }
    }

    /// Decodes top-level values until the batch holds at least `max_bytes` (at least one
    /// value), the document ends, or `cancel` fires. An empty batch means the end.
    pub fn next_batch(
        &mut self,
        max_bytes: usize,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<u8>, FfiError> {
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        self.writer.begin();
        while !self.done && (self.writer.is_empty() || self.writer.len() < max_bytes) {
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(FfiError::cancelled());
            }
            match self.decoder.next() {
                None => self.done = true,
                Some(Ok(value)) => self.writer.push(&value),
                Some(Err(e)) => {
                    self.done = true;
                    let error = decode_error(&e);
                    if self.writer.is_empty() {
                        return Err(error);
                    }
                    self.pending = Some(error);
                }
            }
        }
        Ok(self.writer.finish())
    }
}

fn decode_error(e: &clixml::Error) -> FfiError {
    let id = match e.kind {
        clixml::ErrorKind::Io(_) => "IoError",
        _ => "ClixmlInvalid",
    };
    FfiError::failed(id, e.to_string()).at(e.position)
}

fn write_handle(
    out: *mut *mut PsujClixmlDecoder,
    decoder: PsujClixmlDecoder,
) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null_argument("out decoder"));
    }
    // SAFETY: non-null pointer to the caller's handle slot; we overwrite it without reading.
    unsafe { out.write(Box::into_raw(Box::new(decoder))) };
    Ok(())
}

fn decoder_mut<'a>(decoder: *mut PsujClixmlDecoder) -> Result<&'a mut PsujClixmlDecoder, FfiError> {
    // SAFETY: a non-null handle comes from `write_handle` and, per the contract, is used by
    // one thread at a time and not freed during the call.
    unsafe { decoder.as_mut() }.ok_or_else(|| FfiError::null_argument("decoder"))
}

/// Opens a decoder that streams the file at `path` (UTF-8). The file is read as batches are
/// pulled, so memory does not grow with its size.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_clixml_decoder_open_path(
    path: *const u8,
    path_len: usize,
    out_decoder: *mut *mut PsujClixmlDecoder,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let path = utf8_arg(path, path_len, "path")?;
        let file = std::fs::File::open(path)
            .map_err(|e| FfiError::failed("IoError", format!("cannot open {path}: {e}")))?;
        let source: Source = Box::new(BufReader::with_capacity(256 * 1024, file));
        write_handle(out_decoder, PsujClixmlDecoder::new(source))
    })
}

/// Opens a decoder over a copy of `bytes` (a document in UTF-8 or UTF-16 with BOM).
#[unsafe(no_mangle)]
pub extern "C" fn psuj_clixml_decoder_open_bytes(
    bytes: *const u8,
    len: usize,
    out_decoder: *mut *mut PsujClixmlDecoder,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let bytes = bytes_arg(bytes, len, "bytes")?.to_vec();
        write_handle(
            out_decoder,
            PsujClixmlDecoder::new(Box::new(Cursor::new(bytes))),
        )
    })
}

/// Decodes the next batch into `out_buffer`: at least one top-level value, stopping once the
/// batch reaches `max_bytes`. A batch with a value count of 0 marks the end of the document.
/// `cancel` may be NULL.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_clixml_decoder_next(
    decoder: *mut PsujClixmlDecoder,
    max_bytes: usize,
    cancel: *const PsujCancel,
    out_buffer: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let decoder = decoder_mut(decoder)?;
        let batch = decoder.next_batch(max_bytes, CancelToken::from_handle(cancel).as_ref())?;
        write_out(out_buffer, batch)
    })
}

/// Releases a decoder (and closes its file). NULL is accepted.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_clixml_decoder_free(decoder: *mut PsujClixmlDecoder) {
    boundary_void(|| {
        if !decoder.is_null() {
            // SAFETY: non-null handles come from `Box::into_raw` in `write_handle`, freed once.
            drop(unsafe { Box::from_raw(decoder) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><I32>1</I32><S>two</S><Obj RefId="0"><TN RefId="0"><T>System.Object</T></TN><MS><Ref N="Self" RefId="0" /></MS></Obj></Objs>"#;

    fn open(doc: &str) -> PsujClixmlDecoder {
        PsujClixmlDecoder::new(Box::new(Cursor::new(doc.as_bytes().to_vec())))
    }

    fn count(batch: &[u8]) -> u32 {
        u32::from_le_bytes(batch[8..12].try_into().unwrap())
    }

    #[test]
    fn small_budget_yields_one_value_per_batch_then_end() {
        let mut d = open(DOC);
        let counts: Vec<u32> = (0..4)
            .map(|_| count(&d.next_batch(1, None).unwrap()))
            .collect();
        assert_eq!(counts, [1, 1, 1, 0]);
    }

    #[test]
    fn error_after_values_is_reported_on_the_next_call_with_position() {
        let mut d = open(
            r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><I32>1</I32><I32>x</I32></Objs>"#,
        );
        assert_eq!(count(&d.next_batch(1 << 20, None).unwrap()), 1);
        let e = d.next_batch(1 << 20, None).unwrap_err();
        assert_eq!(e.id, "ClixmlInvalid");
        assert!(e.position.is_some_and(|p| p > 80), "{e:?}");
    }

    #[test]
    fn cancelled_token_stops_decoding() {
        let token = CancelToken::default();
        token.cancel();
        assert_eq!(
            open(DOC).next_batch(1, Some(&token)).unwrap_err().status,
            PsujStatus::Cancelled
        );
    }

    #[test]
    fn exports_round_trip_through_handles() {
        let mut handle = std::ptr::null_mut();
        let status = psuj_clixml_decoder_open_bytes(
            DOC.as_ptr(),
            DOC.len(),
            &mut handle,
            std::ptr::null_mut(),
        );
        assert_eq!(status, PsujStatus::Ok);
        let mut buf = PsujBuffer::empty();
        let status = psuj_clixml_decoder_next(
            handle,
            1 << 20,
            std::ptr::null(),
            &mut buf,
            std::ptr::null_mut(),
        );
        assert_eq!(status, PsujStatus::Ok);
        assert!(buf.len > 12);
        crate::buffer::psuj_buffer_free(&mut buf);
        psuj_clixml_decoder_free(handle);
        psuj_clixml_decoder_free(std::ptr::null_mut());

        let missing = "/nonexistent/psuj.xml";
        let mut handle = std::ptr::null_mut();
        let status = psuj_clixml_decoder_open_path(
            missing.as_ptr(),
            missing.len(),
            &mut handle,
            std::ptr::null_mut(),
        );
        assert_eq!(status, PsujStatus::Failed);
    }
}
