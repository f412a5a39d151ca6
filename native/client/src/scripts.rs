//! Script calls: list, get by id, by repository path, by name (`Get-PSUScript -Name`), and a
//! script's parameters.

use model::{Script, ScriptParameter};

use crate::client::Client;
use crate::error::{Error, Resource, Result};
use crate::path::repository_path;
use crate::transport::{ApiRequest, Method};

impl Client {
    pub async fn scripts(&self) -> Result<Vec<Script>> {
        self.json(ApiRequest::new(Method::Get, "script"), route("script"))
            .await
    }

    pub async fn script(&self, id: i64) -> Result<Script> {
        let request = ApiRequest::new(Method::Get, format!("script/{id}"));
        self.json(request, Resource::Script(id.to_string())).await
    }

    /// The script at a repository path (`Folder/Script.ps1`; `\` works too).
    pub async fn script_by_path(&self, full_path: &str) -> Result<Script> {
        let request = ApiRequest::new(
            Method::Get,
            format!("script/path/{}", repository_path(full_path)?),
        );
        self.json(request, Resource::Script(full_path.to_owned()))
            .await
    }

    /// `Get-PSUScript -Name`: the name may be a bare script name (`Script.ps1`, or without the
    /// extension) or a repository-relative path, with either separator and in any case. The exact
    /// path is asked for first (one cheap call); otherwise the list is searched, and a bare name
    /// that several folders hold is an error listing them.
    pub async fn script_by_name(&self, name: &str) -> Result<Script> {
        match self.script_by_path(name).await {
            Ok(script) => return Ok(script),
            Err(Error::NotFound { .. } | Error::InvalidArgument(_)) => {}
            Err(other) => return Err(other),
        }
        let scripts = self.scripts().await?;
        pick_by_name(scripts, name)
    }

    pub async fn script_parameters(&self, id: i64) -> Result<Vec<ScriptParameter>> {
        let request = ApiRequest::new(Method::Get, format!("script/{id}/parameter"));
        self.json(request, Resource::Script(id.to_string())).await
    }
}

fn route(path: &str) -> Resource {
    Resource::Route(path.to_owned())
}

fn normalized(path: &str) -> String {
    path.trim_matches(['/', '\\'])
        .replace('\\', "/")
        .to_lowercase()
}

fn pick_by_name(scripts: Vec<Script>, name: &str) -> Result<Script> {
    let wanted = normalized(name);
    let with_extension = format!("{wanted}.ps1");
    if let Some(by_path) = scripts.iter().find(|s| normalized(&s.full_path) == wanted) {
        return Ok(by_path.clone());
    }
    let mut matches: Vec<Script> = scripts
        .into_iter()
        .filter(|s| {
            let candidate = normalized(&s.name);
            candidate == wanted || candidate == with_extension
        })
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(Error::NotFound {
            resource: Resource::Script(name.to_owned()),
            server_id: None,
            message: format!("no script is named {name:?}"),
        }),
        _ => Err(Error::InvalidArgument(format!(
            "several scripts are named {name:?}; use one of the paths: {}",
            matches
                .iter()
                .map(|s| s.full_path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(id: i64, name: &str, full_path: &str) -> Script {
        Script {
            id,
            name: name.into(),
            full_path: full_path.into(),
            ..Script::default()
        }
    }

    #[test]
    fn names_match_by_path_then_by_name() {
        let all = vec![
            script(1, "a.ps1", "x/a.ps1"),
            script(2, "a.ps1", "y/a.ps1"),
            script(3, "b.ps1", r"z\b.ps1"),
        ];
        assert_eq!(pick_by_name(all.clone(), r"Y\A.ps1").unwrap().id, 2);
        assert_eq!(pick_by_name(all.clone(), "B").unwrap().id, 3);
        let ambiguous = pick_by_name(all.clone(), "a.ps1").unwrap_err();
        assert!(
            ambiguous.to_string().contains("x/a.ps1, y/a.ps1"),
            "{ambiguous}"
        );
        assert_eq!(
            pick_by_name(all, "c.ps1").unwrap_err().id(),
            "ScriptNotFound"
        );
    }
}
