//! Small constructors for the CliXml value trees this client sends. Objects are built
//! without ids so that ids inside embedded caller values (parameters) keep their meaning.

use std::sync::Arc;

use clixml::{Base, ListKind, Member, Object, Value};

/// `<Obj><MS>…</MS></Obj>`: a property bag, the shape of every PSRP message body.
pub fn bag(members: Vec<(&str, Value)>) -> Value {
    Value::Object(Box::new(Object {
        extended: members
            .into_iter()
            .map(|(n, v)| Member::Property(n.to_string(), v))
            .collect(),
        ..Object::default()
    }))
}

/// An enum the way PowerShell writes one: type names, `ToString` name, `I32` value.
pub fn enumeration(type_name: &str, name: &str, value: i32) -> Value {
    Value::Object(Box::new(Object {
        type_names: Some(type_names(&[
            type_name,
            "System.Enum",
            "System.ValueType",
            "System.Object",
        ])),
        to_string: Some(name.to_string()),
        base: Some(Base::Value(Value::I32(value))),
        ..Object::default()
    }))
}

/// A list object (`LST`) with the given type names.
pub fn list(names: &[&str], items: Vec<Value>) -> Value {
    Value::Object(Box::new(Object {
        type_names: Some(type_names(names)),
        base: Some(Base::List(ListKind::List, items)),
        ..Object::default()
    }))
}

/// A `Hashtable` (`DCT`) with string keys.
pub fn hashtable(entries: Vec<(String, Value)>) -> Value {
    Value::Object(Box::new(Object {
        type_names: Some(type_names(&[
            "System.Collections.Hashtable",
            "System.Object",
        ])),
        base: Some(Base::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Str(k), v))
                .collect(),
        )),
        ..Object::default()
    }))
}

fn type_names(names: &[&str]) -> Arc<[String]> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Property `name` of an object value.
pub fn prop<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.as_object()?.property(name)
}

/// A property as text: strings as they are, other primitives via their `ToString`.
pub fn prop_str(value: &Value, name: &str) -> Option<String> {
    text(prop(value, name)?)
}

/// Like [`prop_str`], but an empty string counts as absent (PowerShell writes `""` for
/// metadata it does not have, e.g. the position of script text).
pub fn prop_nonempty(value: &Value, name: &str) -> Option<String> {
    prop_str(value, name).filter(|s| !s.is_empty())
}

/// The display text of a value: the string itself, an object's `ToString`, else `None`.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::Nil => None,
        Value::Str(s) => Some(s.clone()),
        Value::Object(o) => o
            .to_string
            .clone()
            .or_else(|| value.as_str().map(str::to_string)),
        other => other.as_i64().map(|n| n.to_string()),
    }
}
