//! The integrated channel's messages (docs/integrated.md): what a job's process and the job
//! server say to each other over the job's local socket. Shared by both ends so they agree by
//! construction; the length-prefixed framing itself is tokio-util's `LengthDelimitedCodec`.
//!
//! One frame payload is `[u32 BE header length][header JSON][body bytes]`: the header is one of
//! the enums below, the body is raw bytes (a request's JSON body, a response's JSON or CliXml),
//! so large pipeline output is never re-escaped into a JSON string.

use serde::{Deserialize, Serialize};

use crate::{Job, JobFeedback, JobOutput};

/// The protocol version a client says hello with; the server refuses others.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame either side accepts (the codec's `max_frame_length`).
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Most body bytes the server puts in one frame of an answer; a longer body is sent in parts
/// ([`ServerFrame::Chunk`]), so an answer of any size fits the frame limit and neither side
/// holds a frame of it larger than this.
pub const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// The environment variables a job's process gets (docs/integrated.md §Environment).
pub const ENV_ADDRESS: &str = "PSUJOBS_IPC_ADDRESS";
pub const ENV_SECRET: &str = "PSUJOBS_IPC_SECRET";
pub const ENV_JOB_ID: &str = "PSUJOBS_JOB_ID";

/// Client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientFrame {
    /// The first frame of a connection: which job is calling, and its secret.
    Hello {
        version: u32,
        job_id: i64,
        secret: String,
    },
    /// One REST call (`path` below `/api/v1/`, already percent-encoded); the body is the
    /// request's JSON body, empty when there is none.
    Request {
        id: u64,
        method: String,
        path: String,
        #[serde(default)]
        query: Vec<(String, String)>,
        /// `json` or `clixml`.
        accept: String,
    },
    /// Streams a job's new output records and status changes until it ends (a wait or a
    /// tail without polling). `job` is a job id or run id; records with ids up to `after`
    /// were seen already.
    Watch {
        id: u64,
        job: String,
        after: Option<i64>,
    },
    /// Abandons request or watch `id`; the server ends it with [`ServerFrame::End`].
    Cancel { id: u64 },
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerFrame {
    /// The hello was accepted: the connection speaks for `job_id` until the job ends.
    Welcome { job_id: i64 },
    /// The hello was refused (`errorId` is stable, e.g. `IntegratedSecretRefused`); the
    /// server closes the connection after this frame.
    Refused { error_id: String, message: String },
    /// The answer to request `id`: an HTTP status; the body is the REST body, or its first
    /// part when `more` (the rest follows in `chunk` frames).
    Response {
        id: u64,
        status: u16,
        #[serde(default, skip_serializing_if = "is_false")]
        more: bool,
    },
    /// The next part of request `id`'s answer body; the last part has `more` false.
    Chunk {
        id: u64,
        #[serde(default, skip_serializing_if = "is_false")]
        more: bool,
    },
    /// Something happened to the job watch `id` follows; the body is a [`WatchEvent`].
    Event { id: u64 },
    /// Watch `id` is over: the job ended (its final state was sent as an event), it was
    /// canceled, or it failed (`status` and the body say why, as a REST error would). For a
    /// request whose answer came in parts, the answer failed midway: this replaces it.
    End { id: u64, status: u16 },
}

/// The body of a [`ServerFrame::Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WatchEvent {
    /// A new stream record, in order, each once.
    Output(JobOutput),
    /// The job changed (status, progress); the first event of a watch is always one.
    Job(Box<Job>),
    /// The job waits on this prompt.
    Feedback(JobFeedback),
}

/// Why a frame payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed integrated-channel frame: {}", self.0)
    }
}

impl std::error::Error for FrameError {}

fn is_false(b: &bool) -> bool {
    !b
}

/// Builds a frame payload from a header and a body.
pub fn encode<H: Serialize>(header: &H, body: &[u8]) -> Vec<u8> {
    // Serialising these plain enums cannot fail (no maps with non-string keys, no I/O).
    let header = serde_json::to_vec(header).unwrap_or_default();
    let mut payload = Vec::with_capacity(4 + header.len() + body.len());
    payload.extend_from_slice(&(header.len() as u32).to_be_bytes());
    payload.extend_from_slice(&header);
    payload.extend_from_slice(body);
    payload
}

/// Splits a frame payload into its header and its body.
pub fn decode<H: for<'de> Deserialize<'de>>(payload: &[u8]) -> Result<(H, &[u8]), FrameError> {
    let Some((len, rest)) = payload.split_first_chunk::<4>() else {
        return Err(FrameError(format!(
            "{} bytes is shorter than the header length",
            payload.len()
        )));
    };
    let len = u32::from_be_bytes(*len) as usize;
    if len > rest.len() {
        return Err(FrameError(format!(
            "header length {len} exceeds the {} bytes left",
            rest.len()
        )));
    }
    let (header, body) = rest.split_at(len);
    let header = serde_json::from_slice(header).map_err(|e| FrameError(e.to_string()))?;
    Ok((header, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_with_raw_bodies() {
        let hello = ClientFrame::Request {
            id: 7,
            method: "POST".into(),
            path: "script/path/a.ps1".into(),
            query: vec![("x".into(), "1".into())],
            accept: "json".into(),
        };
        let payload = encode(&hello, b"{\"notes\":\"n\"}");
        let (header, body): (ClientFrame, _) = decode(&payload).unwrap();
        assert_eq!(header, hello);
        assert_eq!(body, b"{\"notes\":\"n\"}");
        let text = String::from_utf8_lossy(&payload[4..]);
        assert!(text.starts_with(r#"{"type":"request","id":7"#), "{text}");
    }

    #[test]
    fn a_whole_answer_says_nothing_of_parts() {
        let whole = ServerFrame::Response {
            id: 3,
            status: 200,
            more: false,
        };
        let text = String::from_utf8(encode(&whole, b"")[4..].to_vec()).unwrap();
        assert_eq!(text, r#"{"type":"response","id":3,"status":200}"#);
        let (read, _): (ServerFrame, _) = decode(&encode(&whole, b"")).unwrap();
        assert_eq!(read, whole);
        let part = ServerFrame::Chunk { id: 3, more: true };
        let payload = encode(&part, b"abc");
        let (read, body): (ServerFrame, _) = decode(&payload).unwrap();
        assert_eq!((read, body), (part, &b"abc"[..]));
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        assert!(decode::<ServerFrame>(&[]).is_err());
        assert!(decode::<ServerFrame>(&[0, 0, 0, 9, b'{']).is_err());
        assert!(decode::<ServerFrame>(&[0, 0, 0, 1, b'{']).is_err());
        assert!(decode::<ServerFrame>(&encode(&"not a frame", b"")).is_err());
        let payload = encode(&ServerFrame::End { id: 1, status: 200 }, b"");
        let (end, body): (ServerFrame, _) = decode(&payload).unwrap();
        assert_eq!(end, ServerFrame::End { id: 1, status: 200 });
        assert!(body.is_empty());
    }
}
