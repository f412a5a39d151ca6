//! The TLS options of a PostgreSQL connection string, read libpq's way. tokio-postgres knows
//! `sslmode` only as disable, prefer and require, and neither `sslrootcert` nor the client
//! certificate (`sslcert`, `sslkey`), while operators paste libpq strings
//! (`…?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem`), so these are taken out of the
//! string here and the rest is left to tokio-postgres.

use std::ops::Range;

/// How a connection string's TLS options ask the server's certificate to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file of the certificates to trust, or `system` for the platform's.
    pub root_cert: Option<String>,
    /// `sslcert` and `sslkey`: PEM files of the certificate (chain) this client shows, for a
    /// server that authenticates by certificate, and of its private key.
    pub client: Option<ClientCert>,
}

/// The PEM files of a client certificate and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert: String,
    pub key: String,
}

/// libpq's `sslmode` values, but for `allow`, which tries plain TCP first and which
/// tokio-postgres cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// TLS when the server offers it (libpq's default), certificate unchecked.
    Prefer,
    /// TLS or no connection; the certificate is checked only when `sslrootcert` is given.
    Require,
    /// The certificate must chain to a trusted root.
    VerifyCa,
    /// ...and name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode `{other}` is not supported: use disable, prefer, require, verify-ca or verify-full"
                ));
            }
        })
    }
}

/// The keys taken out of a connection string.
const TAKEN: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Splits `text` (a `postgres://` URL or libpq key=value text) into the string tokio-postgres
/// is given and the TLS options taken out of it. Text this cannot read is passed on whole, for
/// tokio-postgres to report.
pub fn take_tls_options(text: &str) -> Result<(String, TlsOptions), String> {
    let taken = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        take_from_url(text)
    } else {
        take_from_key_values(text)
    };
    let (rest, taken) = taken.unwrap_or_else(|| (text.to_owned(), Vec::new()));
    let mut options = TlsOptions {
        mode: SslMode::Prefer,
        root_cert: None,
        client: None,
    };
    let (mut cert, mut key) = (None, None);
    for (name, value) in taken {
        match name.as_str() {
            "sslmode" => options.mode = SslMode::parse(&value)?,
            "sslcert" => cert = Some(value),
            "sslkey" => key = Some(value),
            _ => options.root_cert = Some(value),
        }
    }
    // libpq would look for ~/.postgresql/postgresql.crt and .key when one is not named; a
    // service reads no home folder, so both are named or neither.
    options.client = match (cert, key) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some(ClientCert { cert, key }),
        (Some(_), None) => {
            return Err(
                "sslcert is given without sslkey: name the certificate's private key file too"
                    .into(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "sslkey is given without sslcert: name the client certificate file too".into(),
            );
        }
    };
    Ok((rest, options))
}

type Taken = (String, Vec<(String, String)>);

/// A URL without the taken query pairs, and those pairs, percent-decoded.
fn take_from_url(url: &str) -> Option<Taken> {
    let Some((base, query)) = url.split_once('?') else {
        return Some((url.to_owned(), Vec::new()));
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for part in query.split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = percent_decode(key)?;
        if TAKEN.contains(&key.as_str()) {
            taken.push((key, percent_decode(value)?));
        } else {
            kept.push(part);
        }
    }
    let rest = match kept.is_empty() {
        true => base.to_owned(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Some((rest, taken))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Key=value text without the taken pairs, and those pairs.
fn take_from_key_values(text: &str) -> Option<Taken> {
    let mut rest = String::with_capacity(text.len());
    let mut kept_from = 0;
    let mut taken = Vec::new();
    for (key, value, span) in key_value_pairs(text)? {
        if TAKEN.contains(&key) {
            rest.push_str(&text[kept_from..span.start]);
            kept_from = span.end;
            taken.push((key.to_owned(), value));
        }
    }
    rest.push_str(&text[kept_from..]);
    Some((rest, taken))
}

/// libpq's `key = value` pairs: spaces around `=` allowed, a value either single-quoted or
/// running to the next space, `\` escaping the next character in both.
fn key_value_pairs(text: &str) -> Option<Vec<(&str, String, Range<usize>)>> {
    let bytes = text.as_bytes();
    let mut pairs = Vec::new();
    let mut i = 0;
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        let start = skip_spaces(i);
        if start == bytes.len() {
            return Some(pairs);
        }
        let mut key_end = start;
        while key_end < bytes.len()
            && bytes[key_end] != b'='
            && !bytes[key_end].is_ascii_whitespace()
        {
            key_end += 1;
        }
        let equals = skip_spaces(key_end);
        if bytes.get(equals) != Some(&b'=') {
            return None;
        }
        let (value, end) = key_value(text, skip_spaces(equals + 1))?;
        pairs.push((&text[start..key_end], value, start..end));
        i = end;
    }
}

/// The value starting at `text[at..]` and where it ends.
fn key_value(text: &str, at: usize) -> Option<(String, usize)> {
    let quoted = text[at..].starts_with('\'');
    let mut value = String::new();
    let mut chars = text[at..].char_indices().skip(usize::from(quoted));
    while let Some((offset, c)) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?.1),
            '\'' if quoted => return Some((value, at + offset + 1)),
            c if !quoted && c.is_ascii_whitespace() => return Some((value, at + offset)),
            c => value.push(c),
        }
    }
    (!quoted).then_some((value, text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> (String, SslMode, Option<String>) {
        let (rest, options) = take_tls_options(text).unwrap();
        (rest, options.mode, options.root_cert)
    }

    #[test]
    fn a_url_without_tls_options_is_left_alone_and_prefers_tls() {
        let url = "postgres://app:secret@db.example.com:5432/jobs?connect_timeout=5";
        assert_eq!(split(url), (url.to_owned(), SslMode::Prefer, None));
    }

    #[test]
    fn url_options_are_taken_out_wherever_they_stand() {
        assert_eq!(
            split("postgres://db/jobs?sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20one.pem"),
            (
                "postgres://db/jobs".into(),
                SslMode::VerifyFull,
                Some("/etc/ca one.pem".into())
            )
        );
        assert_eq!(
            split("postgresql://db/jobs?sslmode=require&application_name=x&sslrootcert=system"),
            (
                "postgresql://db/jobs?application_name=x".into(),
                SslMode::Require,
                Some("system".into())
            )
        );
        assert_eq!(
            split("postgres://db/jobs?application_name=x&sslmode=verify-ca"),
            (
                "postgres://db/jobs?application_name=x".into(),
                SslMode::VerifyCa,
                None
            )
        );
    }

    #[test]
    fn key_value_options_are_taken_out_quoted_or_not() {
        assert_eq!(
            split("host=db sslmode = disable dbname=jobs"),
            ("host=db  dbname=jobs".into(), SslMode::Disable, None)
        );
        assert_eq!(
            split(r"host=db sslrootcert='/etc/it\'s ca.pem' sslmode=verify-ca"),
            (
                "host=db  ".into(),
                SslMode::VerifyCa,
                Some("/etc/it's ca.pem".into())
            )
        );
    }

    #[test]
    fn a_client_certificate_is_taken_out_with_its_key() {
        let (rest, options) = take_tls_options(
            "postgres://app@db/jobs?sslcert=%2Fetc%2Fapp.crt&connect_timeout=5&sslkey=/etc/app.key",
        )
        .unwrap();
        assert_eq!(rest, "postgres://app@db/jobs?connect_timeout=5");
        assert_eq!(
            options.client,
            Some(ClientCert {
                cert: "/etc/app.crt".into(),
                key: "/etc/app.key".into()
            })
        );
        let (_, options) = take_tls_options("host=db sslkey='/k' sslcert=/c").unwrap();
        assert_eq!(
            options.client.map(|c| (c.cert, c.key)),
            Some(("/c".into(), "/k".into()))
        );
    }

    #[test]
    fn a_client_certificate_without_its_key_is_refused() {
        let e = take_tls_options("postgres://db/jobs?sslcert=/etc/app.crt").unwrap_err();
        assert!(e.contains("without sslkey"), "{e}");
        let e = take_tls_options("host=db sslkey=/etc/app.key").unwrap_err();
        assert!(e.contains("without sslcert"), "{e}");
    }

    #[test]
    fn an_unknown_mode_is_refused_with_the_ones_there_are() {
        let e = take_tls_options("postgres://db/jobs?sslmode=allow").unwrap_err();
        assert!(e.contains("`allow`") && e.contains("verify-full"), "{e}");
    }

    #[test]
    fn text_that_does_not_read_as_options_is_passed_on_whole() {
        for text in ["host=db 'broken", "host", "postgres://db/jobs?sslmode=%zz"] {
            assert_eq!(split(text), (text.to_owned(), SslMode::Prefer, None));
        }
    }
}
