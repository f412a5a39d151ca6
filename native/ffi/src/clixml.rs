//! CliXml decoding for `ConvertFrom-PSUCliXml`: a decoder handle over a file or a byte copy,
//! pulled in batches so memory stays bounded however large the document is. Each batch is in
//! the wire format of [`crate::wire`] (BUFFER.md).
//!
//! Decoding runs on a thread of its own, a bounded number of batches ahead of the caller, so
//! the C# side builds objects from one batch while Rust decodes the next (building objects is
//! the slower half; on one core the thread simply takes turns with the caller).

use crate::buffer::{PsujBuffer, bytes_arg, utf8_arg, write_out};
use crate::cancel::{CancelToken, PsujCancel};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::{boundary, boundary_void};
use crate::wire::BatchWriter;
use clixml::Referenced;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

/// A document's top-level values, decoded from a stream or from memory.
type Values = Box<dyn Iterator<Item = clixml::Result<clixml::Value>> + Send>;
type BatchResult = Result<Vec<u8>, FfiError>;

/// Ready batches the decode thread may hold beyond the one being built: one is enough to keep
/// the caller busy, and memory stays at a few `max_bytes`.
const READY_BATCHES: usize = 1;

/// Budget of the first batch; each later one doubles, up to the caller's `max_bytes`.
const FIRST_BATCH_BYTES: usize = 16 * 1024;

/// The streaming codec plus the wire tables that span the document, pulled synchronously.
pub struct BatchDecoder {
    values: Values,
    /// A file not yet scanned for what its `Ref`s name ([`scan_file`]); until it is, `values`
    /// is empty.
    unscanned: Option<File>,
    writer: BatchWriter,
    /// An error met after some values of a batch were decoded: those values are returned
    /// first, and the error on the following call (as Import-Clixml emits objects, then fails).
    pending: Option<FfiError>,
    done: bool,
}

impl BatchDecoder {
    fn new(values: Values) -> Self {
        BatchDecoder {
            values,
            unscanned: None,
            writer: BatchWriter::default(),
            pending: None,
            done: false,
        }
    }

    /// A file, scanned by the first batch ([`scan_file`]).
    fn over_file(file: File) -> Self {
        BatchDecoder {
            unscanned: Some(file),
            ..BatchDecoder::new(Box::new(std::iter::empty()))
        }
    }

    /// Decodes top-level values until the batch holds at least `max_bytes` (at least one
    /// value), the document ends, or `cancel` fires. An empty batch means the end.
    pub fn next_batch(&mut self, max_bytes: usize, cancel: Option<&CancelToken>) -> BatchResult {
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        if let Some(file) = self.unscanned.take() {
            self.values = scan_file(file, cancel)?;
        }
        self.writer.begin();
        while !self.done && (self.writer.is_empty() || self.writer.len() < max_bytes) {
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(FfiError::cancelled());
            }
            match self.values.next() {
                None => self.done = true,
                Some(Ok(value)) => self.writer.push(&value),
                Some(Err(e)) => {
                    self.done = true;
                    // A source stopped by `cancel` (a download) fails the read it was in.
                    let error = if cancel.is_some_and(CancelToken::is_cancelled) {
                        FfiError::cancelled()
                    } else {
                        decode_error(&e)
                    };
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

/// Opaque decoder handle. The decode thread starts on the first `next` call (which fixes the
/// batch budget and the cancellation token it watches) and ends at the end of the document,
/// on the first error, or when the handle is freed.
pub struct PsujClixmlDecoder {
    state: State,
    /// Triggered when the handle is freed, before its decode thread is joined, so that a
    /// source waiting for more input (a download) stops waiting.
    freed: Option<CancelToken>,
}

impl Drop for PsujClixmlDecoder {
    fn drop(&mut self) {
        if let Some(freed) = &self.freed {
            freed.cancel();
        }
    }
}

enum State {
    Idle(Box<BatchDecoder>),
    Running(Worker),
    /// The thread delivered its last batch or error: every later call is the end.
    Finished,
}

struct Worker {
    batches: Option<Receiver<BatchResult>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn spawn(
        mut decoder: Box<BatchDecoder>,
        max_bytes: usize,
        cancel: Option<CancelToken>,
    ) -> Result<Self, FfiError> {
        let (send, batches) = sync_channel(READY_BATCHES);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("psuj-clixml-decode".into())
            .spawn(move || {
                // The caller waits for the first batch in full; later ones are decoded while it
                // builds objects. Small batches first, then, so that objects flow at once.
                let mut budget = FIRST_BATCH_BYTES.min(max_bytes);
                while !stopped.load(Ordering::Acquire) {
                    let batch = catch_unwind(AssertUnwindSafe(|| {
                        decoder.next_batch(budget, cancel.as_ref())
                    }))
                    .unwrap_or_else(|_| {
                        Err(FfiError::new(
                            PsujStatus::Panic,
                            "Panic",
                            "internal error (panic) in psujobs_native while decoding CliXml",
                        ))
                    });
                    let last = !matches!(&batch, Ok(bytes) if !is_end(bytes));
                    // A send fails only once the handle is gone: nobody wants more batches.
                    if send.send(batch).is_err() || last {
                        break;
                    }
                    budget = budget.saturating_mul(2).min(max_bytes);
                }
            })
            .map_err(|e| {
                FfiError::failed("IoError", format!("cannot start the decode thread: {e}"))
            })?;
        Ok(Worker {
            batches: Some(batches),
            stop,
            thread: Some(thread),
        })
    }

    /// The next batch in order; `None` once the thread has delivered its last one.
    fn next(&self) -> Option<BatchResult> {
        self.batches.as_ref()?.recv().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Stop before the next batch, unblock a pending send, then wait so the source (an
        // open file) is closed when the handle is freed.
        self.stop.store(true, Ordering::Release);
        drop(self.batches.take());
        if let Some(thread) = self.thread.take() {
            let _panicked_already_reported = thread.join();
        }
    }
}

impl PsujClixmlDecoder {
    fn new(values: Values) -> Self {
        PsujClixmlDecoder::idle(BatchDecoder::new(values))
    }

    fn idle(decoder: BatchDecoder) -> Self {
        PsujClixmlDecoder {
            state: State::Idle(Box::new(decoder)),
            freed: None,
        }
    }

    /// A decoder handing out values decoded already (a real PSU's pipeline records).
    pub(crate) fn over_values(values: Vec<clixml::Value>) -> Self {
        PsujClixmlDecoder::new(Box::new(values.into_iter().map(Ok)))
    }

    /// A decoder over a document as it arrives (a job's pipeline output), which must stop
    /// waiting for more once `freed` is triggered. Every object keeps its id, as nothing can
    /// be scanned ahead; a job's document redefines the same `RefId`s in each of its objects,
    /// so the ids, and the objects a reader keeps by id, stay few.
    pub(crate) fn over_stream(document: impl BufRead + Send + 'static, freed: CancelToken) -> Self {
        let mut decoder = PsujClixmlDecoder::new(Box::new(clixml::Decoder::new(document)));
        decoder.freed = Some(freed);
        decoder
    }

    /// The next batch from the decode thread (started on the first call); an empty batch
    /// means the end, and stays the answer once the document is done.
    pub fn next_batch(&mut self, max_bytes: usize, cancel: Option<&CancelToken>) -> BatchResult {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(FfiError::cancelled());
        }
        self.state = match std::mem::replace(&mut self.state, State::Finished) {
            State::Idle(decoder) => {
                State::Running(Worker::spawn(decoder, max_bytes, cancel.cloned())?)
            }
            started => started,
        };
        let batch = match &self.state {
            State::Running(worker) => worker.next(),
            _ => None,
        };
        match batch {
            Some(Ok(bytes)) if !is_end(&bytes) => Ok(bytes),
            other => {
                self.state = State::Finished;
                other.unwrap_or_else(|| Ok(end_batch()))
            }
        }
    }
}

/// The values of a document in memory. Only objects some `Ref` of the document names get an
/// id, the reader's cue to keep them: the others can be freed once they have gone down the
/// pipeline, where PowerShell's own deserializer keeps every object to the end.
fn in_memory(bytes: Vec<u8>) -> Values {
    let referenced = Referenced::scan(&bytes);
    Box::new(clixml::Decoder::from_bytes(bytes).ids_only_for(referenced))
}

/// The values of a file, with ids as [`in_memory`] gives them. What the `Ref`s name is found
/// by a first pass over the file, made by the first batch on the decode thread and stopped by
/// `cancel`; the same handle is then rewound, so the pass reads the very file decoded, and the
/// decode stops where the pass did: bytes written to the file in between (a `Ref` the pass did
/// not see) make a truncated document, as they would for a reader that came earlier. A pipe
/// or a device cannot be read twice: its objects all keep their ids.
fn scan_file(mut file: File, cancel: Option<&CancelToken>) -> Result<Values, FfiError> {
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(every_id(file));
    }
    let mut watched = Watched {
        inner: &mut file,
        cancel,
        read: 0,
    };
    let scanned = Referenced::scan_reader(&mut watched);
    let length = watched.read;
    if cancel.is_some_and(CancelToken::is_cancelled) {
        return Err(FfiError::cancelled());
    }
    file.rewind().map_err(|e| {
        FfiError::failed(
            "IoError",
            format!("cannot read the file from its start again: {e}"),
        )
    })?;
    Ok(match scanned {
        Ok(referenced) => {
            let file = BufReader::with_capacity(FILE_BUFFER, file.take(length));
            Box::new(clixml::Decoder::new(file).ids_only_for(referenced))
        }
        // After a read error, all of it: decoding will meet the error too, and report it.
        Err(_) => every_id(file),
    })
}

/// Read buffer of a file being decoded.
const FILE_BUFFER: usize = 256 * 1024;

/// The values of a file decoded unscanned, every object keeping its id.
fn every_id(file: File) -> Values {
    Box::new(clixml::Decoder::new(BufReader::with_capacity(
        FILE_BUFFER,
        file,
    )))
}

/// A reader that fails once `cancel` fires, counting the bytes it reads.
struct Watched<'a, R> {
    inner: R,
    cancel: Option<&'a CancelToken>,
    read: u64,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(std::io::Error::other("cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// A batch holding no values: the end of the document.
fn is_end(batch: &[u8]) -> bool {
    batch.get(8..12).is_none_or(|count| count == [0; 4])
}

fn end_batch() -> Vec<u8> {
    let mut writer = BatchWriter::default();
    writer.begin();
    writer.finish()
}

fn decode_error(e: &clixml::Error) -> FfiError {
    let id = match e.kind {
        clixml::ErrorKind::Io(_) => "IoError",
        _ => "ClixmlInvalid",
    };
    FfiError::failed(id, e.to_string()).at(e.position)
}

pub(crate) fn write_handle(
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
        let decoder = BatchDecoder::over_file(file);
        write_handle(out_decoder, PsujClixmlDecoder::idle(decoder))
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
        write_handle(out_decoder, PsujClixmlDecoder::new(in_memory(bytes)))
    })
}

/// Decodes the next batch into `out_buffer`: at least one top-level value, stopping once the
/// batch reaches `max_bytes`. A batch with a value count of 0 marks the end of the document.
/// `cancel` may be NULL. The first call starts a thread that decodes one batch ahead, keeping
/// that call's `max_bytes` and `cancel` for the rest of the document.
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

    fn values(doc: &str) -> Values {
        in_memory(doc.as_bytes().to_vec())
    }

    fn open(doc: &str) -> PsujClixmlDecoder {
        PsujClixmlDecoder::new(values(doc))
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
    fn batches_start_small_then_double_up_to_the_budget() {
        let value = format!("<S>{}</S>", "x".repeat(1000));
        let doc = format!(
            r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{}</Objs>"#,
            value.repeat(200)
        );
        let mut d = open(&doc);
        let counts: Vec<u32> = (0..5)
            .map(|_| count(&d.next_batch(64 * 1024, None).unwrap()))
            .collect();
        // A value is 2 kB and a bit on the wire (UTF-16), and a batch ends once it holds at
        // least its budget: 16 kB, 32 kB, then 64 kB.
        assert_eq!(counts, [9, 17, 33, 33, 33]);
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
    fn a_file_decodes_as_in_memory_and_its_scan_stops_when_cancelled() {
        let path = std::env::temp_dir().join(format!("psuj-scan-{}.xml", std::process::id()));
        std::fs::write(&path, DOC).unwrap();
        let token = CancelToken::default();
        let from_file = BatchDecoder::over_file(File::open(&path).unwrap())
            .next_batch(1 << 20, Some(&token))
            .unwrap();
        token.cancel();
        let scan = scan_file(File::open(&path).unwrap(), Some(&token));
        std::fs::remove_file(&path).unwrap();
        let in_memory = BatchDecoder::new(values(DOC)).next_batch(1 << 20, None);
        assert_eq!(from_file, in_memory.unwrap());
        assert_eq!(scan.err().map(|e| e.status), Some(PsujStatus::Cancelled));
    }

    /// What is written to a file after its scan is not decoded: the document ends where the
    /// scan ended, so a `Ref` the scan did not see cannot name an object left without an id.
    #[test]
    fn a_file_is_decoded_as_far_as_it_was_scanned() {
        let path = std::env::temp_dir().join(format!("psuj-grow-{}.xml", std::process::id()));
        let head = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><MS><I32 N="x">1</I32></MS></Obj>"#;
        std::fs::write(&path, head).unwrap();
        let mut values = scan_file(File::open(&path).unwrap(), None).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut file, br#"<Ref RefId="0" /></Objs>"#).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(values.next(), Some(Ok(clixml::Value::Object(_)))));
        let end = values.next().and_then(Result::err).map(|e| e.kind);
        assert_eq!(end, Some(clixml::ErrorKind::UnexpectedEof));
    }

    /// A pipe cannot be read twice: it is decoded without a scan, every object keeping its id.
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_decoded_without_being_scanned() {
        let fifo = std::env::temp_dir().join(format!("psuj-fifo-{}", std::process::id()));
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()), "mkfifo");
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, DOC))
        };
        let from_pipe =
            BatchDecoder::over_file(File::open(&fifo).unwrap()).next_batch(1 << 20, None);
        writer.join().unwrap().unwrap();
        std::fs::remove_file(&fifo).unwrap();
        let all_ids = Box::new(clixml::Decoder::from_bytes(DOC.as_bytes()));
        assert_eq!(
            from_pipe.unwrap(),
            BatchDecoder::new(all_ids)
                .next_batch(1 << 20, None)
                .unwrap()
        );
    }

    #[test]
    fn decode_thread_yields_the_same_batches_as_decoding_in_place() {
        let doc = format!(
            r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{}</Objs>"#,
            (0..500)
                .map(|i| format!("<S>value {i}</S>"))
                .collect::<String>()
        );
        let mut in_place = BatchDecoder::new(values(&doc));
        let mut threaded = open(&doc);
        loop {
            let expected = in_place.next_batch(256, None).unwrap();
            assert_eq!(threaded.next_batch(256, None).unwrap(), expected);
            if count(&expected) == 0 {
                break;
            }
        }
        // The end stays the end.
        assert_eq!(count(&threaded.next_batch(256, None).unwrap()), 0);
    }

    #[test]
    fn freeing_mid_document_stops_the_decode_thread() {
        let doc = format!(
            r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{}</Objs>"#,
            "<I32>1</I32>".repeat(10_000)
        );
        let mut d = open(&doc);
        assert_eq!(count(&d.next_batch(1, None).unwrap()), 1);
        // Dropping joins the thread, which is blocked on a full channel: this must return.
        drop(d);
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
