//! Pipeline output exports. The objects travel as the job's whole CliXml document (one
//! request with `Accept: application/clixml`, so `Ref`s across objects resolve) and go
//! straight into a `psuj_clixml_decoder_*` handle, the one `ConvertFrom-PSUCliXml` uses: the
//! document never crosses into .NET as text (which would hold it twice more, as UTF-16 and
//! again as UTF-8), and is decoded as it downloads, so it is never held whole. A real PSU
//! answers with its JSON records instead; the values they hold go into the same kind of handle.

use std::io::{BufRead, Read};

use bytes::{Buf, Bytes};
use client::{BodyStream, PipelineObjects};
use futures::StreamExt;

use crate::cancel::{CancelToken, PsujCancel};
use crate::client_connection::{PsujClient, call, client_arg, job_arg};
use crate::clixml::{PsujClixmlDecoder, write_handle};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::boundary;
use crate::runtime::block_on_cancellable;

/// Fetches the job's pipeline output and opens a decoder over it; pull its objects with
/// `psuj_clixml_decoder_next` and release it with `psuj_clixml_decoder_free`.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_pipeline_decoder(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_decoder: *mut *mut PsujClixmlDecoder,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let decoder = match call(cancel, client.pipeline_objects(job))? {
            PipelineObjects::Document(document) => {
                let freed = CancelToken::default();
                let download = Download::new(document, CancelToken::from_handle(cancel), &freed);
                PsujClixmlDecoder::over_stream(download, freed)
            }
            PipelineObjects::Values(values) => PsujClixmlDecoder::over_values(values),
        };
        write_handle(out_decoder, decoder)
    })
}

/// Deletes the job's stored pipeline output.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_delete_pipeline_output(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        call(cancel, client.delete_pipeline_output(job))
    })
}

/// The document as it downloads, read by the decode thread: each time it runs dry it waits on
/// the shared runtime for the next chunk, giving up at once when the cmdlet is stopped or the
/// decoder freed (`Select-Object -First 1` frees it with the rest of the answer unread, and a
/// stalled server must not hold that up).
struct Download {
    chunks: BodyStream,
    current: Bytes,
    cancel: Option<CancelToken>,
    freed: CancelToken,
}

impl Download {
    fn new(chunks: BodyStream, cancel: Option<CancelToken>, freed: &CancelToken) -> Self {
        Download {
            chunks,
            current: Bytes::new(),
            cancel,
            freed: freed.clone(),
        }
    }

    /// The next chunk; `Err` when the wait was given up.
    fn next_chunk(&mut self) -> Result<Option<client::Result<Bytes>>, FfiError> {
        let (freed, chunks) = (&self.freed, &mut self.chunks);
        block_on_cancellable(self.cancel.clone(), async {
            tokio::select! {
                biased;
                () = freed.cancelled() => Err(FfiError::cancelled()),
                chunk = chunks.next() => Ok(chunk),
            }
        })
    }
}

impl BufRead for Download {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.current.is_empty() {
            self.current = match self.next_chunk() {
                Ok(None) => break,
                Ok(Some(Ok(chunk))) => chunk,
                Ok(Some(Err(e))) => return Err(std::io::Error::other(e.to_string())),
                Err(e) => return Err(std::io::Error::other(e.message)),
            };
        }
        Ok(&self.current)
    }

    fn consume(&mut self, amount: usize) {
        self.current.advance(amount);
    }
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><I32>1</I32><S>two</S></Objs>"#;

    fn over(chunks: BodyStream, cancel: Option<CancelToken>) -> PsujClixmlDecoder {
        let freed = CancelToken::default();
        PsujClixmlDecoder::over_stream(Download::new(chunks, cancel, &freed), freed)
    }

    /// The value count of a batch (BUFFER.md: after the 8-byte header).
    fn count(batch: &[u8]) -> u32 {
        u32::from_le_bytes(batch[8..12].try_into().unwrap())
    }

    #[test]
    fn a_download_is_decoded_across_its_chunks() {
        let chunks: Vec<client::Result<Bytes>> = DOC
            .as_bytes()
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut decoder = over(futures::stream::iter(chunks).boxed(), None);
        assert_eq!(count(&decoder.next_batch(1 << 20, None).unwrap()), 2);
        assert_eq!(count(&decoder.next_batch(1 << 20, None).unwrap()), 0);
    }

    #[test]
    fn a_stalled_download_stops_when_cancelled() {
        let first: client::Result<Bytes> = Ok(Bytes::from_static(&DOC.as_bytes()[..40]));
        let stalled = futures::stream::iter([first]).chain(futures::stream::pending());
        let cancel = CancelToken::default();
        let mut decoder = over(stalled.boxed(), Some(cancel.clone()));
        let trigger = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            trigger.cancel();
        });
        let error = decoder.next_batch(1 << 20, Some(&cancel)).unwrap_err();
        assert_eq!(error.id, "Cancelled");
    }

    /// `Select-Object -First 1`: the decoder is freed while its thread waits for more of a
    /// stalled download, and freeing it does not wait for that.
    #[test]
    fn freeing_the_decoder_stops_waiting_for_a_stalled_download() {
        let head = DOC.find("<S>").unwrap();
        let first: client::Result<Bytes> = Ok(Bytes::from_static(&DOC.as_bytes()[..head]));
        // Tells when the decode thread is waiting for the chunk that never comes.
        let (waiting, waits) = std::sync::mpsc::channel();
        let stall = futures::stream::once(async move {
            let _ = waiting.send(());
            std::future::pending::<client::Result<Bytes>>().await
        });
        let stalled = futures::stream::iter([first]).chain(stall);
        let mut decoder = over(stalled.boxed(), None);
        assert_eq!(count(&decoder.next_batch(1, None).unwrap()), 1);
        waits
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let (freed, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(decoder);
            let _ = freed.send(());
        });
        done.recv_timeout(std::time::Duration::from_secs(10))
            .expect("freeing the decoder waited for the download");
    }

    #[test]
    fn a_broken_download_is_an_io_error() {
        let chunks: Vec<client::Result<Bytes>> = vec![
            Ok(Bytes::from_static(&DOC.as_bytes()[..40])),
            Err(client::Error::BadResponse("connection reset".into())),
        ];
        let mut decoder = over(futures::stream::iter(chunks).boxed(), None);
        let error = decoder.next_batch(1 << 20, None).unwrap_err();
        assert_eq!(error.id, "IoError");
        assert!(
            error.message.contains("connection reset"),
            "{}",
            error.message
        );
    }
}
