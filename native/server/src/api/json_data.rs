//! PSU's `jsonData` for a pipeline record: a JSON string holding `[{"value": …}]`, which REST
//! clients written for PSU read (`$record.jsonData | ConvertFrom-Json | ForEach-Object value`).
//! Our store keeps each object's CliXml; its JSON is made from that when a record is served as
//! JSON, with the values `ConvertTo-Json` gives the same object: a property bag as an object of
//! its properties, collections as arrays, dictionaries as objects, enums as their numbers,
//! dates in round-trip form, and `Json.NET`'s forms for what it alone decides (a `TimeSpan` as
//! `d.hh:mm:ss.fffffff`, bytes as base64).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use base64::Engine;
use clixml::{Base, Member, ObjId, Object, Value};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The `jsonData` of a record whose object is the CliXml `fragment`; `None` when the fragment
/// does not decode (the record is served with its `data` alone).
pub fn json_data(fragment: &str) -> Option<String> {
    let value = clixml::decode_fragment(fragment).ok()?;
    let mut objects = HashMap::new();
    collect(&value, &mut objects);
    let context = Context {
        objects,
        open: RefCell::default(),
    };
    let entry = Entry(Shown {
        value: &value,
        context: &context,
    });
    serde_json::to_string(&[entry]).ok()
}

/// The objects of a fragment by id, so that a `Ref` repeats the object it names (as
/// `ConvertTo-Json` writes a shared object each time it meets it); and those being written,
/// so that a `Ref` back to one of them (a cycle) is written as `null`.
struct Context<'a> {
    objects: HashMap<ObjId, &'a Object>,
    open: RefCell<HashSet<ObjId>>,
}

fn collect<'a>(value: &'a Value, objects: &mut HashMap<ObjId, &'a Object>) {
    let Value::Object(object) = value else {
        return;
    };
    if let Some(id) = object.id {
        objects.insert(id, object);
    }
    let members = object.extended.iter().filter_map(|member| match member {
        Member::Property(_, value) => Some(value),
        Member::Set(..) => None,
    });
    let adapted = object.adapted.iter().map(|(_, value)| value);
    let base: Vec<&Value> = match &object.base {
        Some(Base::Value(value)) => vec![value],
        Some(Base::List(_, items)) => items.iter().collect(),
        Some(Base::Dict(entries)) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
        None => Vec::new(),
    };
    for value in adapted.chain(members).chain(base) {
        collect(value, objects);
    }
}

/// `{"value": …}`.
struct Entry<'a>(Shown<'a>);

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("value", &self.0)?;
        map.end()
    }
}

/// A value as JSON, properties in document order.
#[derive(Clone, Copy)]
struct Shown<'a> {
    value: &'a Value,
    context: &'a Context<'a>,
}

impl<'a> Shown<'a> {
    fn of(&self, value: &'a Value) -> Shown<'a> {
        Shown {
            value,
            context: self.context,
        }
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Nil => serializer.serialize_unit(),
            Value::Str(s)
            | Value::Uri(s)
            | Value::Version(s)
            | Value::XmlDocument(s)
            | Value::ScriptBlock(s) => serializer.serialize_str(s),
            // Never the secret: its ciphertext means nothing outside the job's process.
            Value::SecureString(_) => serializer.serialize_str("System.Security.SecureString"),
            Value::Char(unit) => serializer.serialize_str(&String::from_utf16_lossy(&[*unit])),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::DateTime(dt) => serializer.collect_str(dt),
            Value::Duration(ticks) => serializer.serialize_str(&timespan(*ticks)),
            Value::U8(n) => serializer.serialize_u8(*n),
            Value::I8(n) => serializer.serialize_i8(*n),
            Value::U16(n) => serializer.serialize_u16(*n),
            Value::I16(n) => serializer.serialize_i16(*n),
            Value::U32(n) => serializer.serialize_u32(*n),
            Value::I32(n) => serializer.serialize_i32(*n),
            Value::U64(n) => serializer.serialize_u64(*n),
            Value::I64(n) => serializer.serialize_i64(*n),
            Value::Single(n) => float(serializer, f64::from(*n)),
            Value::Double(n) => float(serializer, *n),
            Value::Decimal(text) => match text.parse::<f64>() {
                Ok(n) => float(serializer, n),
                Err(_) => serializer.serialize_str(text),
            },
            Value::Bytes(bytes) => {
                serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            Value::Guid(guid) => serializer.collect_str(guid),
            Value::Progress(p) => {
                let mut map = serializer.serialize_map(Some(8))?;
                map.serialize_entry("Activity", &p.activity)?;
                map.serialize_entry("ActivityId", &p.activity_id)?;
                map.serialize_entry("StatusDescription", &p.status_description)?;
                map.serialize_entry("CurrentOperation", &p.current_operation)?;
                map.serialize_entry("ParentActivityId", &p.parent_activity_id)?;
                map.serialize_entry("PercentComplete", &p.percent_complete)?;
                map.serialize_entry("SecondsRemaining", &p.seconds_remaining)?;
                map.serialize_entry("RecordType", &p.record_type)?;
                map.end()
            }
            Value::Object(object) => self.object(object, serializer),
            Value::Ref(id) => match self.context.objects.get(id) {
                Some(object) if !self.context.open.borrow().contains(id) => {
                    self.object(object, serializer)
                }
                _ => serializer.serialize_unit(),
            },
        }
    }
}

impl Shown<'_> {
    /// A dictionary key as a JSON member name: its text (a `Ref` key resolved like any value).
    fn key_text(&self, key: &Value) -> String {
        match serde_json::to_value(self.of(key)) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(json) => json.to_string(),
            Err(_) => String::new(),
        }
    }

    fn object<S: Serializer>(&self, object: &Object, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(id) = object.id {
            self.context.open.borrow_mut().insert(id);
        }
        let result = self.object_body(object, serializer);
        if let Some(id) = object.id {
            self.context.open.borrow_mut().remove(&id);
        }
        result
    }

    fn object_body<S: Serializer>(
        &self,
        object: &Object,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        // Member sets (PSStandardMembers) hold formatting hints, not data.
        let properties: Vec<(&str, &Value)> = object
            .adapted
            .iter()
            .map(|(name, value)| (name.as_str(), value))
            .chain(object.extended.iter().filter_map(|member| match member {
                Member::Property(name, value) => Some((name.as_str(), value)),
                Member::Set(..) => None,
            }))
            .collect();
        match &object.base {
            Some(Base::List(_, items)) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&self.of(item))?;
                }
                seq.end()
            }
            Some(Base::Dict(entries)) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(&self.key_text(key), &self.of(value))?;
                }
                map.end()
            }
            Some(Base::Value(base)) if properties.is_empty() => self.of(base).serialize(serializer),
            base => {
                // A property bag; or a primitive with members of its own, the value beside
                // them as `ConvertTo-Json` writes one.
                let mut map = serializer.serialize_map(None)?;
                if let Some(Base::Value(base)) = base {
                    map.serialize_entry("value", &self.of(base))?;
                }
                for (name, value) in properties {
                    map.serialize_entry(name, &self.of(value))?;
                }
                map.end()
            }
        }
    }
}

/// A number; NaN and the infinities, which JSON has no numbers for, as their names.
fn float<S: Serializer>(serializer: S, n: f64) -> Result<S::Ok, S::Error> {
    if n.is_finite() {
        serializer.serialize_f64(n)
    } else {
        serializer.collect_str(&n)
    }
}

/// `TimeSpan.ToString()` ("c"): `[-][d.]hh:mm:ss[.fffffff]`.
fn timespan(ticks: i64) -> String {
    const PER_SECOND: u64 = 10_000_000;
    let sign = if ticks < 0 { "-" } else { "" };
    let ticks = ticks.unsigned_abs();
    let seconds = ticks / PER_SECOND;
    let fraction = ticks % PER_SECOND;
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3_600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    let mut text = sign.to_owned();
    if days > 0 {
        text.push_str(&format!("{days}."));
    }
    text.push_str(&format!("{hours:02}:{minutes:02}:{secs:02}"));
    if fraction > 0 {
        text.push_str(&format!(".{fraction:07}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    fn value_of(fragment: &str) -> Json {
        let data = json_data(fragment).expect("decodes");
        let entries: Json = serde_json::from_str(&data).unwrap();
        entries[0]["value"].clone()
    }

    #[test]
    fn a_property_bag_is_an_object_of_its_properties() {
        // `[PSSerializer]::Serialize([pscustomobject]@{Name='disk'; Size=5; Tags=@('a','b')})`.
        let fragment = r#"<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><S N="Name">disk</S><I32 N="Size">5</I32><Obj N="Tags" RefId="1"><TN RefId="1"><T>System.Object[]</T><T>System.Array</T><T>System.Object</T></TN><LST><S>a</S><S>b</S></LST></Obj></MS></Obj>"#;
        assert_eq!(
            json_data(fragment).unwrap(),
            r#"[{"value":{"Name":"disk","Size":5,"Tags":["a","b"]}}]"#,
            "properties in document order"
        );
    }

    #[test]
    fn primitives_take_convertto_json_forms() {
        assert_eq!(value_of("<S>text</S>"), json!("text"));
        assert_eq!(value_of("<B>true</B>"), json!(true));
        assert_eq!(value_of("<Db>0.5</Db>"), json!(0.5));
        assert_eq!(value_of("<Db>NaN</Db>"), json!("NaN"));
        assert_eq!(value_of("<D>12.50</D>"), json!(12.5));
        assert_eq!(
            value_of("<DT>2024-01-02T03:04:05.5Z</DT>"),
            json!("2024-01-02T03:04:05.5Z")
        );
        assert_eq!(
            value_of("<TS>P1DT2H3M4.5S</TS>"),
            json!("1.02:03:04.5000000")
        );
        assert_eq!(value_of("<TS>-PT30S</TS>"), json!("-00:00:30"));
        assert_eq!(value_of("<BA>AQID</BA>"), json!("AQID"));
        assert_eq!(value_of("<C>65</C>"), json!("A"));
        assert_eq!(value_of("<Nil />"), Json::Null);
        assert_eq!(
            value_of("<G>b09f3cee-49e5-4660-805c-51d46fb48495</G>"),
            json!("b09f3cee-49e5-4660-805c-51d46fb48495")
        );
    }

    #[test]
    fn enums_dictionaries_and_shared_objects() {
        // `[ConsoleColor]::Red`: its number, as `ConvertTo-Json` writes an enum.
        let color = r#"<Obj RefId="0"><TN RefId="0"><T>System.ConsoleColor</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Red</ToString><I32>12</I32></Obj>"#;
        assert_eq!(value_of(color), json!(12));
        // `@{ 1 = 'one'; Key = $null }`: keys as text.
        let table = r#"<Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><I32 N="Key">1</I32><S N="Value">one</S></En><En><S N="Key">Key</S><Nil N="Value" /></En></DCT></Obj>"#;
        assert_eq!(value_of(table), json!({"1": "one", "Key": null}));
        // One object under two names, and an object naming itself.
        let shared = r#"<Obj RefId="0"><MS><Obj N="A" RefId="1"><MS><I32 N="N">1</I32></MS></Obj><Ref N="B" RefId="1" /><Ref N="Self" RefId="0" /></MS></Obj>"#;
        assert_eq!(
            value_of(shared),
            json!({"A": {"N": 1}, "B": {"N": 1}, "Self": null})
        );
        // A string with a note property of its own.
        let noted = r#"<Obj RefId="0"><S>text</S><MS><I32 N="Extra">2</I32></MS></Obj>"#;
        assert_eq!(value_of(noted), json!({"value": "text", "Extra": 2}));
    }

    #[test]
    fn what_does_not_decode_has_no_json_data() {
        assert_eq!(json_data("<S>unclosed"), None);
    }
}
