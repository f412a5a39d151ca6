//! PSRP fragments (design psrp.md §2.1): how one message is cut into blobs that fit a packet,
//! and how received blobs are put back together.

use crate::error::Error;

const HEADER_LEN: usize = 21;
const FLAG_START: u8 = 0x01;
const FLAG_END: u8 = 0x02;

/// PowerShell's out-of-process fragment size, header included.
pub const MAX_FRAGMENT: usize = 32 << 10;

/// Cuts `message` into fragments of at most `max_fragment` bytes each (header included).
/// An empty message is still one (empty) fragment.
pub fn split(object_id: u64, message: &[u8], max_fragment: usize) -> Vec<Vec<u8>> {
    let blob_max = max_fragment.saturating_sub(HEADER_LEN).max(1);
    let chunks: Vec<&[u8]> = if message.is_empty() {
        vec![&[]]
    } else {
        message.chunks(blob_max).collect()
    };
    let last = chunks.len() - 1;
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, blob)| {
            let mut flags = 0;
            if i == 0 {
                flags |= FLAG_START;
            }
            if i == last {
                flags |= FLAG_END;
            }
            let mut out = Vec::with_capacity(HEADER_LEN + blob.len());
            out.extend_from_slice(&(object_id & i64::MAX as u64).to_be_bytes());
            out.extend_from_slice(&(i as u64).to_be_bytes());
            out.push(flags);
            // Blobs are bounded by `max_fragment`, which the caller keeps far below 4 GiB.
            out.extend_from_slice(&u32::try_from(blob.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(blob);
            out
        })
        .collect()
}

/// Rebuilds messages from the fragment stream of one (PSGuid, stream) pair. Fragments may
/// straddle packets and one packet may hold several, so bytes are buffered until whole.
#[derive(Debug)]
pub struct Reassembler {
    pending: Vec<u8>,
    current: Option<(u64, u64)>,
    message: Vec<u8>,
    max_message: usize,
}

impl Reassembler {
    pub fn new(max_message: usize) -> Self {
        Reassembler {
            pending: Vec::new(),
            current: None,
            message: Vec::new(),
            max_message,
        }
    }

    /// Feeds one packet's payload; returns every message it completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        self.pending.extend_from_slice(bytes);
        let mut done = Vec::new();
        let mut at = 0;
        while self.pending.len() - at >= HEADER_LEN {
            let head = &self.pending[at..at + HEADER_LEN];
            let object_id = u64::from_be_bytes(head[0..8].try_into().unwrap_or_default());
            let fragment_id = u64::from_be_bytes(head[8..16].try_into().unwrap_or_default());
            let flags = head[16];
            let len = u32::from_be_bytes(head[17..21].try_into().unwrap_or_default()) as usize;
            if len > MAX_FRAGMENT.max(self.max_message) {
                return Err(Error::Protocol(format!(
                    "fragment of {len} bytes is too large"
                )));
            }
            if self.pending.len() - at - HEADER_LEN < len {
                break;
            }
            let blob = &self.pending[at + HEADER_LEN..at + HEADER_LEN + len];
            at += HEADER_LEN + len;
            if flags & FLAG_START != 0 {
                self.message.clear();
            } else {
                match self.current {
                    Some((id, last)) if id == object_id && fragment_id == last + 1 => {}
                    _ => {
                        return Err(Error::Protocol(format!(
                            "fragment {fragment_id} of object {object_id} is out of sequence"
                        )));
                    }
                }
            }
            if self.message.len() + blob.len() > self.max_message {
                return Err(Error::Protocol(format!(
                    "message exceeds the {} byte limit",
                    self.max_message
                )));
            }
            self.message.extend_from_slice(blob);
            if flags & FLAG_END != 0 {
                self.current = None;
                done.push(std::mem::take(&mut self.message));
            } else {
                self.current = Some((object_id, fragment_id));
            }
        }
        self.pending.drain(..at);
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_fragment_matches_powershell_header() {
        let f = split(1, b"abc", MAX_FRAGMENT);
        assert_eq!(f.len(), 1);
        assert_eq!(
            &f[0][..HEADER_LEN],
            &[
                0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3
            ]
        );
    }

    #[test]
    fn large_messages_round_trip_across_split_packets() {
        let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let fragments = split(7, &message, 1000);
        assert!(fragments.len() > 200);
        assert!(fragments.iter().all(|f| f.len() <= 1000));
        let stream: Vec<u8> = fragments.concat();
        let mut r = Reassembler::new(1 << 20);
        let mut out = Vec::new();
        // Deliberately odd packet boundaries: fragments straddle packets.
        for chunk in stream.chunks(333) {
            out.extend(r.push(chunk).unwrap());
        }
        assert_eq!(out, vec![message]);
    }

    #[test]
    fn several_messages_in_one_packet() {
        let mut stream = split(1, b"one", MAX_FRAGMENT).concat();
        stream.extend(split(2, b"", MAX_FRAGMENT).concat());
        stream.extend(split(3, b"three", MAX_FRAGMENT).concat());
        let out = Reassembler::new(100).push(&stream).unwrap();
        assert_eq!(out, vec![b"one".to_vec(), vec![], b"three".to_vec()]);
    }

    #[test]
    fn rejects_out_of_sequence_and_oversized() {
        let fragments = split(1, &[0u8; 100], 40);
        let mut r = Reassembler::new(1000);
        r.push(&fragments[0]).unwrap();
        assert!(r.push(&fragments[2]).is_err());

        let mut r = Reassembler::new(50);
        assert!(r.push(&split(1, &[0u8; 100], 40).concat()).is_err());
    }
}
