//! Deserialisers that absorb the differences between our JSON and a real PSU server's.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

/// A time that may be `null`, RFC 3339, or zone-less (`2024-01-02T03:04:05.123`, which .NET
/// writes for `DateTimeKind.Unspecified`; PSU stores UTC, so it is read as UTC). .NET's
/// `DateTime.MinValue` stands for "not set" and becomes `None`.
pub fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let parsed = match DateTime::parse_from_rfc3339(&text) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
            .map_err(|e| serde::de::Error::custom(format!("invalid time {text:?}: {e}")))?
            .and_utc(),
    };
    Ok((parsed.timestamp() > -62_135_596_800).then_some(parsed))
}

/// Tags or roles: a JSON array, or PSU's single comma-separated string, or `null`.
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => Vec::new(),
        Some(Either::List(v)) => v,
        Some(Either::Text(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
    })
}

/// `null` read as the type's default (PSU sends `null` for many absent scalars).
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "opt_time")]
        t: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "string_list")]
        tags: Vec<String>,
    }

    #[test]
    fn times_in_every_form() {
        let r: T = serde_json::from_str(r#"{"t":"2024-01-02T03:04:05.5Z"}"#).unwrap();
        assert_eq!(r.t.unwrap().to_rfc3339(), "2024-01-02T03:04:05.500+00:00");
        let r: T = serde_json::from_str(r#"{"t":"2024-01-02T03:04:05.1234567"}"#).unwrap();
        assert_eq!(r.t.unwrap().timestamp(), 1_704_164_645);
        let r: T = serde_json::from_str(r#"{"t":"0001-01-01T00:00:00"}"#).unwrap();
        assert!(r.t.is_none());
        let r: T = serde_json::from_str(r#"{"t":null}"#).unwrap();
        assert!(r.t.is_none());
        assert!(serde_json::from_str::<T>(r#"{"t":"yesterday"}"#).is_err());
    }

    #[test]
    fn tags_as_list_or_text() {
        let r: T = serde_json::from_str(r#"{"tags":"a, b,,c"}"#).unwrap();
        assert_eq!(r.tags, ["a", "b", "c"]);
        let r: T = serde_json::from_str(r#"{"tags":["x"]}"#).unwrap();
        assert_eq!(r.tags, ["x"]);
        let r: T = serde_json::from_str(r#"{"tags":null}"#).unwrap();
        assert!(r.tags.is_empty());
    }
}
