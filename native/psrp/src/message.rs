//! The PSRP message: a 40-byte header (destination, type, runspace pool id, pipeline id)
//! followed by one CliXml object (design psrp.md §2.2, §3).

use uuid::Uuid;

use crate::error::Error;

const HEADER_LEN: usize = 40;
const DESTINATION_CLIENT: u32 = 1;
const DESTINATION_SERVER: u32 = 2;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The message types this client sends or understands. Unknown incoming types are kept as
/// `Other` so that a newer server never breaks the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    SessionCapability,
    InitRunspacePool,
    PublicKey,
    EncryptedSessionKey,
    PublicKeyRequest,
    RunspacePoolState,
    CreatePipeline,
    ApplicationPrivateData,
    RunspacePoolHostCall,
    RunspacePoolHostResponse,
    PipelineOutput,
    ErrorRecord,
    PipelineState,
    DebugRecord,
    VerboseRecord,
    WarningRecord,
    ProgressRecord,
    InformationRecord,
    PipelineHostCall,
    PipelineHostResponse,
    Other(u32),
}

const TYPES: &[(MessageType, u32)] = &[
    (MessageType::SessionCapability, 0x0001_0002),
    (MessageType::InitRunspacePool, 0x0001_0004),
    (MessageType::PublicKey, 0x0001_0005),
    (MessageType::EncryptedSessionKey, 0x0001_0006),
    (MessageType::PublicKeyRequest, 0x0001_0007),
    (MessageType::RunspacePoolState, 0x0002_1005),
    (MessageType::CreatePipeline, 0x0002_1006),
    (MessageType::ApplicationPrivateData, 0x0002_1009),
    (MessageType::RunspacePoolHostCall, 0x0002_1100),
    (MessageType::RunspacePoolHostResponse, 0x0002_1101),
    (MessageType::PipelineOutput, 0x0004_1004),
    (MessageType::ErrorRecord, 0x0004_1005),
    (MessageType::PipelineState, 0x0004_1006),
    (MessageType::DebugRecord, 0x0004_1007),
    (MessageType::VerboseRecord, 0x0004_1008),
    (MessageType::WarningRecord, 0x0004_1009),
    (MessageType::ProgressRecord, 0x0004_1010),
    (MessageType::InformationRecord, 0x0004_1011),
    (MessageType::PipelineHostCall, 0x0004_1100),
    (MessageType::PipelineHostResponse, 0x0004_1101),
];

impl MessageType {
    pub fn code(self) -> u32 {
        match self {
            MessageType::Other(code) => code,
            known => TYPES
                .iter()
                .find(|(t, _)| *t == known)
                .map_or(0, |(_, code)| *code),
        }
    }

    pub fn from_code(code: u32) -> MessageType {
        TYPES
            .iter()
            .find(|(_, c)| *c == code)
            .map_or(MessageType::Other(code), |(t, _)| *t)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_type: MessageType,
    pub runspace_pool: Uuid,
    pub pipeline: Uuid,
    /// The CliXml body as UTF-8 text, BOM stripped; empty for header-only messages.
    pub body: String,
}

impl Message {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.body.len());
        out.extend_from_slice(&DESTINATION_SERVER.to_le_bytes());
        out.extend_from_slice(&self.message_type.code().to_le_bytes());
        // .NET Guid.ToByteArray layout is exactly uuid's little-endian form.
        out.extend_from_slice(&self.runspace_pool.to_bytes_le());
        out.extend_from_slice(&self.pipeline.to_bytes_le());
        out.extend_from_slice(self.body.as_bytes());
        out
    }

    /// Decodes a server → client message.
    pub fn decode(bytes: &[u8]) -> Result<Message, Error> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::Protocol(format!(
                "message of {} bytes is shorter than its header",
                bytes.len()
            )));
        }
        let u32_at = |at: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(b)
        };
        let guid_at = |at: usize| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[at..at + 16]);
            Uuid::from_bytes_le(b)
        };
        if u32_at(0) != DESTINATION_CLIENT {
            return Err(Error::Protocol(format!(
                "message destined for {:#x}, not the client",
                u32_at(0)
            )));
        }
        let data = &bytes[HEADER_LEN..];
        let data = data.strip_prefix(BOM).unwrap_or(data);
        let body = String::from_utf8(data.to_vec())
            .map_err(|_| Error::Protocol("message body is not UTF-8".into()))?;
        Ok(Message {
            message_type: MessageType::from_code(u32_at(4)),
            runspace_pool: guid_at(8),
            pipeline: guid_at(24),
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_uses_dotnet_guid_layout() {
        let rpid = Uuid::parse_str("7b031eef-fbad-4b01-90a0-b3c35e7e38be").unwrap();
        let m = Message {
            message_type: MessageType::SessionCapability,
            runspace_pool: rpid,
            pipeline: Uuid::nil(),
            body: "x".into(),
        };
        let bytes = m.encode();
        // Real Start-Job bytes from PowerShell issue 14478 (design psrp.md §2.2).
        assert_eq!(&bytes[..8], &[2, 0, 0, 0, 2, 0, 1, 0]);
        assert_eq!(
            &bytes[8..24],
            &[
                0xef, 0x1e, 0x03, 0x7b, 0xad, 0xfb, 0x01, 0x4b, 0x90, 0xa0, 0xb3, 0xc3, 0x5e, 0x7e,
                0x38, 0xbe
            ]
        );
    }

    #[test]
    fn decodes_server_message_and_strips_bom() {
        let pid = Uuid::new_v4();
        let mut bytes = vec![1, 0, 0, 0];
        bytes.extend_from_slice(&0x0004_1004u32.to_le_bytes());
        bytes.extend_from_slice(&Uuid::nil().to_bytes_le());
        bytes.extend_from_slice(&pid.to_bytes_le());
        bytes.extend_from_slice(b"\xEF\xBB\xBF<I32>1</I32>");
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.message_type, MessageType::PipelineOutput);
        assert_eq!(m.pipeline, pid);
        assert_eq!(m.body, "<I32>1</I32>");
    }

    #[test]
    fn rejects_short_misrouted_and_non_utf8() {
        assert!(Message::decode(&[1, 0, 0]).is_err());
        let mut server_bound = vec![2, 0, 0, 0];
        server_bound.extend_from_slice(&[0; 36]);
        assert!(Message::decode(&server_bound).is_err());
        let mut bad = vec![1, 0, 0, 0];
        bad.extend_from_slice(&[0; 36]);
        bad.push(0xff);
        assert!(Message::decode(&bad).is_err());
    }

    #[test]
    fn unknown_types_survive() {
        assert_eq!(
            MessageType::from_code(0x0002_1008),
            MessageType::Other(0x0002_1008)
        );
        assert_eq!(MessageType::Other(5).code(), 5);
        for (t, code) in TYPES {
            assert_eq!(t.code(), *code);
            assert_eq!(MessageType::from_code(*code), *t);
        }
    }
}
