//! The out-of-process packet set: one XML element per stdin/stdout line (design psrp.md §1.2).
//!
//! This is the transport envelope, not CliXml: a fixed handful of element shapes, so it is
//! written and read here directly. The server checks attribute counts and dies (exit 4000) on
//! anything unexpected, so the writer emits exactly PowerShell's shapes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use uuid::Uuid;

use crate::error::Error;

/// Which reassembly stream a `Data` packet belongs to. Host responses travel on
/// `PromptResponse` so the server can take them while the default stream is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Default,
    PromptResponse,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Default => "Default",
            Stream::PromptResponse => "PromptResponse",
        }
    }
}

/// The kinds of acknowledgement the server sends; the client never sends any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ack {
    Data,
    Command,
    Signal,
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `payload` is the decoded base64: one or more fragments.
    Data {
        stream: Stream,
        guid: Uuid,
        payload: Vec<u8>,
    },
    Command(Uuid),
    Signal(Uuid),
    Close(Uuid),
    Ack(Ack, Uuid),
}

impl Packet {
    /// The line to write, without its terminating newline.
    pub fn to_line(&self) -> String {
        match self {
            Packet::Data {
                stream,
                guid,
                payload,
            } => format!(
                "<Data Stream='{}' PSGuid='{guid}'>{}</Data>",
                stream.name(),
                BASE64.encode(payload)
            ),
            Packet::Command(g) => format!("<Command PSGuid='{g}' />"),
            Packet::Signal(g) => format!("<Signal PSGuid='{g}' />"),
            Packet::Close(g) => format!("<Close PSGuid='{g}' />"),
            Packet::Ack(kind, g) => {
                let name = match kind {
                    Ack::Data => "DataAck",
                    Ack::Command => "CommandAck",
                    Ack::Signal => "SignalAck",
                    Ack::Close => "CloseAck",
                };
                format!("<{name} PSGuid='{g}' />")
            }
        }
    }

    /// Parses one stdout line. Only the shapes PowerShell writes are accepted; anything
    /// else is a protocol error naming the line.
    pub fn parse(line: &str) -> Result<Packet, Error> {
        let bad = |why: &str| Error::Protocol(format!("{why} in packet line {:?}", clip(line)));
        let line = line.trim();
        let rest = line.strip_prefix('<').ok_or_else(|| bad("no element"))?;
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or_else(|| bad("unterminated element"))?;
        let name = &rest[..name_end];
        let (attrs, body) = if let Some(open_end) = rest.find('>') {
            let head = &rest[name_end..open_end];
            if let Some(head) = head.strip_suffix('/') {
                (head, None)
            } else {
                let close = format!("</{name}>");
                let body = rest[open_end + 1..]
                    .strip_suffix(close.as_str())
                    .ok_or_else(|| bad("missing end tag"))?;
                (head, Some(body))
            }
        } else {
            return Err(bad("unterminated element"));
        };
        let guid = attribute(attrs, "PSGuid").ok_or_else(|| bad("no PSGuid"))?;
        let guid = Uuid::parse_str(guid).map_err(|_| bad("invalid PSGuid"))?;
        let packet = match name {
            "Data" => {
                let stream = match attribute(attrs, "Stream") {
                    Some(s) if s.eq_ignore_ascii_case("PromptResponse") => Stream::PromptResponse,
                    _ => Stream::Default,
                };
                let payload = BASE64
                    .decode(body.unwrap_or("").trim())
                    .map_err(|_| bad("invalid base64"))?;
                Packet::Data {
                    stream,
                    guid,
                    payload,
                }
            }
            "DataAck" => Packet::Ack(Ack::Data, guid),
            "CommandAck" => Packet::Ack(Ack::Command, guid),
            "SignalAck" => Packet::Ack(Ack::Signal, guid),
            "CloseAck" => Packet::Ack(Ack::Close, guid),
            "Command" => Packet::Command(guid),
            "Signal" => Packet::Signal(guid),
            "Close" => Packet::Close(guid),
            _ => return Err(bad("unknown element")),
        };
        Ok(packet)
    }
}

/// The value of `name='…'` or `name="…"` in an element head.
fn attribute<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = head;
    while let Some(at) = rest.find(name) {
        let after = rest[at + name.len()..].trim_start();
        let preceded_ok = rest[..at].ends_with(char::is_whitespace);
        if preceded_ok && let Some(after) = after.strip_prefix('=') {
            let after = after.trim_start();
            let quote = after.chars().next()?;
            if quote == '\'' || quote == '"' {
                let value = &after[1..];
                return value.find(quote).map(|end| &value[..end]);
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// Keeps error messages readable when a line is a 40 KB base64 blob.
fn clip(line: &str) -> String {
    const MAX: usize = 120;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_shape() {
        let g = Uuid::new_v4();
        let packets = [
            Packet::Data {
                stream: Stream::PromptResponse,
                guid: g,
                payload: vec![1, 2, 3, 255],
            },
            Packet::Data {
                stream: Stream::Default,
                guid: Uuid::nil(),
                payload: vec![],
            },
            Packet::Command(g),
            Packet::Signal(g),
            Packet::Close(g),
            Packet::Ack(Ack::Data, g),
            Packet::Ack(Ack::Command, g),
            Packet::Ack(Ack::Signal, g),
            Packet::Ack(Ack::Close, g),
        ];
        for p in packets {
            assert_eq!(Packet::parse(&p.to_line()).unwrap(), p);
        }
    }

    #[test]
    fn writes_powershell_shapes() {
        assert_eq!(
            Packet::Close(Uuid::nil()).to_line(),
            "<Close PSGuid='00000000-0000-0000-0000-000000000000' />"
        );
        let data = Packet::Data {
            stream: Stream::Default,
            guid: Uuid::nil(),
            payload: b"hi".to_vec(),
        };
        assert_eq!(
            data.to_line(),
            "<Data Stream='Default' PSGuid='00000000-0000-0000-0000-000000000000'>aGk=</Data>"
        );
    }

    #[test]
    fn accepts_double_quotes_and_crlf() {
        let p =
            Packet::parse("<DataAck PSGuid=\"00000000-0000-0000-0000-000000000000\" />\r").unwrap();
        assert_eq!(p, Packet::Ack(Ack::Data, Uuid::nil()));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for line in [
            "",
            "hello",
            "<",
            "<Data",
            "<Data Stream='Default'>AA==</Data>",
            "<Data Stream='Default' PSGuid='nope'>AA==</Data>",
            "<Data Stream='Default' PSGuid='00000000-0000-0000-0000-000000000000'>!!</Data>",
            "<Data Stream='Default' PSGuid='00000000-0000-0000-0000-000000000000'>AA==",
            "<Bogus PSGuid='00000000-0000-0000-0000-000000000000' />",
            "<Close PSGuid='00000000-0000-0000-0000-000000000000",
            "<é PSGuid=''/>",
        ] {
            assert!(Packet::parse(line).is_err(), "{line:?}");
        }
    }
}
