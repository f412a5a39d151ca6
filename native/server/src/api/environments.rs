//! `GET /api/v1/environment`: the environments jobs can ask for (`-Environment`).

use axum::Json;
use axum::extract::State;
use model::Environment;

use super::AppState;
use super::error::ApiResult;
use crate::auth::{Action, Caller};
use crate::config::EnvironmentKind;
use crate::runner;

/// Every configured environment by name, the built-in `pwsh` included. The variables an
/// environment sets are left out: their values may be secrets, and readers may list this.
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Environment>>> {
    caller.require(Action::Read)?;
    let environments = app
        .engine
        .settings()
        .environments
        .iter()
        .map(|(name, config)| {
            let process = runner::environment(name, config);
            Environment {
                name: name.clone(),
                path: process.executable.display().to_string(),
                arguments: Some(command_line(&process.args)),
                kind: Some(
                    match config.kind {
                        EnvironmentKind::Powershell => "powershell",
                        EnvironmentKind::Minimal => "minimal",
                    }
                    .into(),
                ),
            }
        })
        .collect();
    Ok(Json(environments))
}

/// The arguments as one line, as PSU shows them: those with spaces or quotes are quoted.
fn command_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"') {
                format!("\"{}\"", a.replace('"', "\\\""))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::command_line;

    #[test]
    fn quotes_only_what_needs_it() {
        let args = ["-File", "a b.ps1", "", "say \"hi\""].map(String::from);
        assert_eq!(command_line(&args), r#"-File "a b.ps1" "" "say \"hi\"""#);
        assert_eq!(command_line(&[]), "");
    }
}
