//! `Environment`: one entry of `GET /api/v1/environment`.

use serde::{Deserialize, Serialize};

use crate::lenient::null_default;

/// A configured environment: the name jobs ask for with `-Environment` and the process that
/// runs them. PSU names the fields `Name`, `Path` and `Arguments` (one command-line string);
/// both casings are read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Environment {
    #[serde(alias = "Name", deserialize_with = "null_default")]
    pub name: String,
    /// The executable.
    #[serde(alias = "Path", deserialize_with = "null_default")]
    pub path: String,
    /// The command line before the script (a minimal environment's script path follows it).
    #[serde(alias = "Arguments")]
    pub arguments: Option<String>,
    /// Ours only: `powershell` or `minimal` (stdout/stderr only: no feedback, no
    /// `-Integrated`). Absent from PSU's answers.
    pub kind: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_psu_pascal_case_and_nulls() {
        let e: Environment = serde_json::from_str(
            r#"{"Id":2,"Name":"7.4","Path":"pwsh.exe","Arguments":null,"Modules":[],"PersistentRunspace":false}"#,
        )
        .unwrap();
        assert_eq!((e.name.as_str(), e.path.as_str()), ("7.4", "pwsh.exe"));
        assert_eq!((e.arguments, e.kind), (None, None));
        let ours = Environment {
            name: "pwsh".into(),
            path: "/usr/bin/pwsh".into(),
            arguments: Some("-s -NoLogo -NoProfile".into()),
            kind: Some("powershell".into()),
        };
        let text = serde_json::to_string(&ours).unwrap();
        assert_eq!(serde_json::from_str::<Environment>(&text).unwrap(), ours);
    }
}
