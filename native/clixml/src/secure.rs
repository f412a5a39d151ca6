//! Reaching the `SecureString` leaves of a value tree, wherever they are nested: a secret's
//! wire form depends on who reads it (plaintext hex in Export-Clixml on Linux, session-key
//! ciphertext in remoting), so callers re-encode them in place.

use crate::value::{Base, Member, Object, Value};

/// Calls `f` on the text of every `SecureString` in `value`, stopping at the first error.
pub fn for_each_secure_string<E>(
    value: &mut Value,
    f: &mut impl FnMut(&mut String) -> Result<(), E>,
) -> Result<(), E> {
    match value {
        Value::SecureString(text) => f(text),
        Value::Object(object) => object_secure_strings(object, f),
        _ => Ok(()),
    }
}

fn object_secure_strings<E>(
    object: &mut Object,
    f: &mut impl FnMut(&mut String) -> Result<(), E>,
) -> Result<(), E> {
    match &mut object.base {
        Some(Base::Value(v)) => for_each_secure_string(v, f)?,
        Some(Base::List(_, items)) => {
            for v in items {
                for_each_secure_string(v, f)?;
            }
        }
        Some(Base::Dict(entries)) => {
            for (k, v) in entries {
                for_each_secure_string(k, f)?;
                for_each_secure_string(v, f)?;
            }
        }
        None => {}
    }
    for (_, v) in &mut object.adapted {
        for_each_secure_string(v, f)?;
    }
    members_secure_strings(&mut object.extended, f)
}

fn members_secure_strings<E>(
    members: &mut [Member],
    f: &mut impl FnMut(&mut String) -> Result<(), E>,
) -> Result<(), E> {
    for member in members {
        match member {
            Member::Property(_, v) => for_each_secure_string(v, f)?,
            Member::Set(_, nested) => members_secure_strings(nested, f)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_nested_secrets() {
        let doc = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><DCT><En><S N="Key">a</S><Obj N="Value" RefId="1"><Props><SS N="Password">61</SS></Props><MS><SS N="x">62</SS></MS></Obj></En></DCT></Obj></Objs>"#;
        let mut value = crate::decode_document(doc).unwrap().remove(0);
        let mut seen = Vec::new();
        for_each_secure_string(&mut value, &mut |s: &mut String| {
            seen.push(s.clone());
            s.push('!');
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(seen, ["61", "62"]);
        let mut again = Vec::new();
        for_each_secure_string(&mut value, &mut |s: &mut String| {
            again.push(s.clone());
            Err(())
        })
        .unwrap_err();
        assert_eq!(again, ["61!"]);
    }
}
