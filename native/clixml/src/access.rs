//! Conveniences for consumers of the value tree (the PSRP client, the FFI layer): typed
//! views and PowerShell-style property lookup.

use crate::value::{Base, Member, Object, Value, deserialized_type_name};
use std::borrow::Cow;

impl Value {
    /// The string of an `S` element, or of an extended primitive string
    /// (`<Obj><S>…</S><MS>…</MS></Obj>`).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Object(obj) => match &obj.base {
                Some(Base::Value(inner)) => inner.as_str(),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(obj) => Some(obj),
            _ => None,
        }
    }

    /// Any integer element that fits an `i64`, looking through extended primitives.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::U8(n) => Some((*n).into()),
            Value::I8(n) => Some((*n).into()),
            Value::U16(n) => Some((*n).into()),
            Value::I16(n) => Some((*n).into()),
            Value::U32(n) => Some((*n).into()),
            Value::I32(n) => Some((*n).into()),
            Value::U64(n) => i64::try_from(*n).ok(),
            Value::I64(n) => Some(*n),
            Value::Object(obj) => match &obj.base {
                Some(Base::Value(inner)) => inner.as_i64(),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl Object {
    /// A property by name, case-insensitively as PowerShell does: adapted (`Props`) first,
    /// then the extended (`MS`) top-level properties.
    pub fn property(&self, name: &str) -> Option<&Value> {
        let adapted = self
            .adapted
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
        adapted.or_else(|| {
            self.extended.iter().find_map(|m| match m {
                Member::Property(n, v) if n.eq_ignore_ascii_case(name) => Some(v),
                _ => None,
            })
        })
    }

    /// All properties in PowerShell's order: adapted, then extended top-level properties.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Value)> {
        let adapted = self.adapted.iter().map(|(n, v)| (n.as_str(), v));
        let extended = self.extended.iter().filter_map(|m| match m {
            Member::Property(n, v) => Some((n.as_str(), v)),
            Member::Set(..) => None,
        });
        adapted.chain(extended)
    }

    /// The type names as written (most derived first); empty if there were none.
    pub fn type_names(&self) -> &[String] {
        self.type_names.as_deref().unwrap_or_default()
    }

    /// The type names as `Import-Clixml` shows them (`Deserialized.` prefixed once).
    pub fn deserialized_type_names(&self) -> impl Iterator<Item = Cow<'_, str>> {
        self.type_names().iter().map(|n| deserialized_type_name(n))
    }

    /// The items of an `LST`/`IE`/`STK`/`QUE` base.
    pub fn list(&self) -> Option<&[Value]> {
        match &self.base {
            Some(Base::List(_, items)) => Some(items),
            _ => None,
        }
    }

    /// The entries of a `DCT` base, in document order.
    pub fn dict(&self) -> Option<&[(Value, Value)]> {
        match &self.base {
            Some(Base::Dict(entries)) => Some(entries),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_fragment;

    #[test]
    fn looks_up_properties_like_powershell() {
        let v = decode_fragment(
            r#"<Obj RefId="0"><TN RefId="0"><T>Deserialized.A</T><T>B</T></TN><S>base</S><Props><I32 N="Id">1</I32></Props><MS><S N="id">shadowed</S><S N="Note">n</S><MS N="set"><S N="Inner">i</S></MS></MS></Obj>"#,
        )
        .unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.property("ID").and_then(Value::as_i64), Some(1));
        assert_eq!(obj.property("note").and_then(Value::as_str), Some("n"));
        assert_eq!(obj.property("Inner"), None);
        assert_eq!(
            obj.properties().map(|(n, _)| n).collect::<Vec<_>>(),
            ["Id", "id", "Note"]
        );
        assert_eq!(
            obj.deserialized_type_names().collect::<Vec<_>>(),
            ["Deserialized.A", "Deserialized.B"]
        );
        assert_eq!(v.as_str(), Some("base"));
    }
}
