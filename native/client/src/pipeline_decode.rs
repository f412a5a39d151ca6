//! Pipeline records to CliXml values: our server's records hold each object's CliXml fragment;
//! a real PSU's hold `jsonData` instead (a JSON array of `{value}` entries), which is mapped to
//! the values `Import-Clixml` would give for the same data.

use std::sync::Arc;

use clixml::{Base, ListKind, Member, Object, Value};
use model::PipelineOutput;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::Error;

/// The values one record holds: one object, or for PSU's `jsonData` one per entry.
pub(crate) fn decode_record(record: &PipelineOutput) -> crate::Result<Vec<Value>> {
    if !record.data.trim().is_empty() {
        return clixml::decode_fragment(&record.data)
            .map(|value| vec![value])
            .map_err(|e| Error::BadResponse(format!("pipeline record {}: {e}", record.id)));
    }
    let Some(json_data) = record.json_data.as_deref() else {
        return Ok(Vec::new());
    };
    let JsonValue(entries) = serde_json::from_str(json_data).map_err(|e| {
        Error::BadResponse(format!(
            "pipeline record {} has invalid jsonData: {e}",
            record.id
        ))
    })?;
    let entries = match entries {
        Value::Object(array) if matches!(array.base, Some(Base::List(..))) => match array.base {
            Some(Base::List(_, items)) => items,
            _ => Vec::new(),
        },
        single => vec![single],
    };
    Ok(entries.into_iter().map(unwrap_entry).collect())
}

/// An entry is `{"value": …}`; anything else is taken as the value itself.
fn unwrap_entry(entry: Value) -> Value {
    match entry {
        Value::Object(mut bag) if bag.extended.len() == 1 => match bag.extended.pop() {
            Some(Member::Property(name, value)) if name.eq_ignore_ascii_case("value") => value,
            Some(other) => {
                bag.extended.push(other);
                Value::Object(bag)
            }
            None => Value::Object(bag),
        },
        other => other,
    }
}

/// JSON read straight into the values PowerShell's `ConvertFrom-Json` gives: objects become
/// property bags (`PSCustomObject`) with their properties in document order.
struct JsonValue(Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor).map(JsonValue)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(integer(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(integer(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Double(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(object(
            ARRAY,
            Some(Base::List(ListKind::List, items)),
            Vec::new(),
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::new();
        while let Some((name, JsonValue(value))) = map.next_entry::<String, JsonValue>()? {
            members.push(Member::Property(name, value));
        }
        Ok(object(CUSTOM_OBJECT, None, members))
    }
}

/// An integer as PowerShell 7's `ConvertFrom-Json` reads it: Int64, or beyond that range (where
/// it makes a BigInteger, which CliXml has no element for) a Double.
fn integer(n: i128) -> Value {
    i64::try_from(n).map_or(Value::Double(n as f64), Value::I64)
}

const ARRAY: &[&str] = &["System.Object[]", "System.Array", "System.Object"];
const CUSTOM_OBJECT: &[&str] = &[
    "System.Management.Automation.PSCustomObject",
    "System.Object",
];

fn object(type_names: &[&str], base: Option<Base>, extended: Vec<Member>) -> Value {
    let type_names: Arc<[String]> = type_names.iter().map(|t| (*t).to_owned()).collect();
    Value::Object(Box::new(Object {
        type_names: Some(type_names),
        base,
        extended,
        ..Object::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(data: &str, json_data: Option<&str>) -> PipelineOutput {
        PipelineOutput {
            id: 1,
            data: data.into(),
            json_data: json_data.map(Into::into),
        }
    }

    #[test]
    fn clixml_fragments_are_decoded() {
        let values = decode_record(&record("<I32>5</I32>", None)).unwrap();
        assert_eq!(values, [Value::I32(5)]);
        let err = decode_record(&record("<I32>five</I32>", None)).unwrap_err();
        assert_eq!(err.id(), "BadResponse");
        assert!(err.to_string().contains("pipeline record 1"), "{err}");
    }

    #[test]
    fn psu_json_data_becomes_values() {
        let values = decode_record(&record(
            "",
            Some(r#"[{"value":7},{"value":{"Name":"a","N":[1,"x"]}}]"#),
        ))
        .unwrap();
        assert_eq!(values[0], Value::I64(7));
        let Value::Object(bag) = &values[1] else {
            panic!("{values:?}")
        };
        assert_eq!(
            bag.type_names.as_deref().unwrap()[0],
            "System.Management.Automation.PSCustomObject"
        );
        assert_eq!(
            bag.extended[0],
            Member::Property("Name".into(), Value::Str("a".into()))
        );
        let Member::Property(_, Value::Object(list)) = &bag.extended[1] else {
            panic!("{bag:?}")
        };
        assert_eq!(
            list.base,
            Some(Base::List(
                ListKind::List,
                vec![Value::I64(1), Value::Str("x".into())]
            ))
        );
        assert!(decode_record(&record("", None)).unwrap().is_empty());
        assert_eq!(
            decode_record(&record("", Some("{"))).unwrap_err().id(),
            "BadResponse"
        );
    }
}
