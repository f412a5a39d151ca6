//! A JobContext parameter value as a CliXml value tree: a string that is a CliXml document
//! (as `[PSSerializer]::Serialize` writes) is decoded; any other JSON is converted.

use clixml::{Base, ListKind, Object, Value};

/// Decodes CliXml text, or converts plain JSON. A CliXml document must hold one object.
pub fn from_json(json: &serde_json::Value) -> Result<Value, String> {
    match json {
        serde_json::Value::String(text) if text.trim_start().starts_with("<Objs") => {
            let mut values =
                clixml::decode_document(text).map_err(|e| format!("invalid CliXml: {e}"))?;
            match values.len() {
                1 => Ok(values.remove(0)),
                n => Err(format!("a CliXml value must hold one object, not {n}")),
            }
        }
        other => Ok(convert(other)),
    }
}

fn convert(json: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i32::try_from(i).map_or(Value::I64(i), Value::I32),
            (None, Some(f)) => Value::Double(f),
            (None, None) => Value::Str(n.to_string()),
        },
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => object(
            &["System.Object[]", "System.Array", "System.Object"],
            Base::List(ListKind::List, items.iter().map(convert).collect()),
        ),
        J::Object(map) => object(
            &["System.Collections.Hashtable", "System.Object"],
            Base::Dict(
                map.iter()
                    .map(|(k, v)| (Value::Str(k.clone()), convert(v)))
                    .collect(),
            ),
        ),
    }
}

fn object(type_names: &[&str], base: Base) -> Value {
    Value::Object(Box::new(Object {
        type_names: Some(
            type_names
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .into(),
        ),
        base: Some(base),
        ..Object::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_values() {
        assert_eq!(from_json(&json!("x")).unwrap(), Value::Str("x".into()));
        assert_eq!(from_json(&json!(5)).unwrap(), Value::I32(5));
        assert_eq!(
            from_json(&json!(5_000_000_000i64)).unwrap(),
            Value::I64(5_000_000_000)
        );
        assert_eq!(from_json(&json!(true)).unwrap(), Value::Bool(true));
        let Value::Object(list) = from_json(&json!([1, "a"])).unwrap() else {
            panic!()
        };
        assert_eq!(
            list.base,
            Some(Base::List(
                ListKind::List,
                vec![Value::I32(1), Value::Str("a".into())]
            ))
        );
        assert_eq!(list.type_names.unwrap()[0], "System.Object[]");
    }

    #[test]
    fn clixml_documents() {
        let doc = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><I32>7</I32></Objs>"#;
        assert_eq!(from_json(&json!(doc)).unwrap(), Value::I32(7));
        assert!(from_json(&json!("<Objs><bogus")).is_err());
        let two = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><I32>7</I32><I32>8</I32></Objs>"#;
        assert!(from_json(&json!(two)).unwrap_err().contains("not 2"));
    }
}
