//! Secrets in a parameter value. `[PSSerializer]::Serialize` on Linux/macOS writes a
//! SecureString (alone, inside a PSCredential, or nested anywhere) as the hex of its
//! plaintext UTF-16LE bytes. Passed to PowerShell as is, that text is not valid remoting
//! ciphertext and breaks the session, so it is unprotected here and the runner has it sealed
//! with the session key.

use clixml::Value;

use crate::engine::ParamValue;

/// How Windows' DPAPI blobs begin: only the exporting user on that machine can open them.
const DPAPI_PREFIX: &str = "01000000d08c9ddf0115d1118c7a00c04fc297eb";

/// The value to pass: [`ParamValue::Secured`] when it holds any SecureString.
pub fn to_param(mut value: Value) -> Result<ParamValue, String> {
    let mut secrets = 0;
    clixml::for_each_secure_string(&mut value, &mut |text: &mut String| {
        *text = unprotect(text)?;
        secrets += 1;
        Ok::<_, String>(())
    })?;
    Ok(if secrets == 0 {
        ParamValue::Value(value)
    } else {
        ParamValue::Secured(value)
    })
}

/// The plaintext of an exported SecureString (the hex of its UTF-16LE bytes).
fn unprotect(hex: &str) -> Result<String, String> {
    let hex = hex.trim();
    if hex.to_ascii_lowercase().starts_with(DPAPI_PREFIX) {
        return Err(
            "a SecureString exported on Windows (DPAPI) can only be read by its exporting user"
                .into(),
        );
    }
    let invalid = || "a SecureString is not the hex of UTF-16LE text".to_string();
    if !hex.len().is_multiple_of(4) || !hex.is_ascii() {
        return Err(invalid());
    }
    let units = (0..hex.len())
        .step_by(4)
        .map(|i| {
            let byte = |j: usize| u8::from_str_radix(&hex[j..j + 2], 16).map_err(|_| invalid());
            Ok(u16::from_le_bytes([byte(i)?, byte(i + 2)?]))
        })
        .collect::<Result<Vec<u16>, String>>()?;
    String::from_utf16(&units).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = r#"Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04""#;

    fn decoded(body: &str) -> Value {
        clixml::decode_document(&format!("<Objs {NS}>{body}</Objs>"))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn plain_values_stay_values() {
        let value = decoded("<S>x</S>");
        assert_eq!(to_param(value.clone()).unwrap(), ParamValue::Value(value));
    }

    #[test]
    fn secure_strings_are_unprotected_wherever_they_are() {
        // "pässwörd" as PSSerializer writes it on Linux.
        let hex = "7000e400730073007700f60072006400";
        assert_eq!(
            to_param(decoded(&format!("<SS>{hex}</SS>"))).unwrap(),
            ParamValue::Secured(Value::SecureString("pässwörd".into()))
        );
        let credential = format!(
            r#"<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCredential</T><T>System.Object</T></TN><ToString>System.Management.Automation.PSCredential</ToString><Props><S N="UserName">u</S><SS N="Password">{hex}</SS></Props></Obj>"#
        );
        let ParamValue::Secured(Value::Object(cred)) = to_param(decoded(&credential)).unwrap()
        else {
            panic!("a credential is secured")
        };
        assert_eq!(cred.adapted[1].1, Value::SecureString("pässwörd".into()));
        let nested = format!(
            r#"<Obj RefId="0"><DCT><En><S N="Key">c</S>{}</En></DCT></Obj>"#,
            credential.replace("<Obj RefId=\"0\">", "<Obj N=\"Value\" RefId=\"1\">")
        );
        assert!(matches!(
            to_param(decoded(&nested)).unwrap(),
            ParamValue::Secured(_)
        ));
    }

    #[test]
    fn unreadable_secure_strings_are_refused() {
        for bad in ["700", "zz00", "00d8", &format!("{DPAPI_PREFIX}00")] {
            let err = to_param(decoded(&format!("<SS>{bad}</SS>"))).unwrap_err();
            assert!(err.contains("SecureString"), "{bad}: {err}");
        }
    }
}
