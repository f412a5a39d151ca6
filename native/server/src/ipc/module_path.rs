//! Makes the PSUJobs module importable in every job without installing it: the folder that
//! holds it goes first on the job processes' `PSModulePath`, so `Invoke-PSUScript -Integrated`
//! autoloads it.

use std::path::{Path, PathBuf};

/// Names the folder holding `PSUJobs/PSUJobs.psd1`; overrides the default next to the binary.
pub const MODULE_PATH_VAR: &str = "PSUJOBS_MODULE_PATH";

/// The variables a job process starts with so the module resolves: `PSModulePath` with the
/// module's folder first (pwsh adds its own folders to whatever it inherits). Empty when no
/// module folder is known.
pub fn module_env() -> Vec<(String, String)> {
    let configured = std::env::var_os(MODULE_PATH_VAR).map(PathBuf::from);
    let beside_binary = std::env::current_exe().ok().and_then(|exe| {
        // out/bin/psujobs → out/PSUJobs (the layout build.ps1 writes).
        let out = exe.parent()?.parent()?.to_path_buf();
        has_module(&out).then_some(out)
    });
    let Some(folder) = configured.or(beside_binary) else {
        return Vec::new();
    };
    vec![(
        "PSModulePath".into(),
        prepend(&folder, std::env::var("PSModulePath").ok().as_deref()),
    )]
}

fn has_module(folder: &Path) -> bool {
    folder.join("PSUJobs").join("PSUJobs.psd1").is_file()
}

fn prepend(folder: &Path, inherited: Option<&str>) -> String {
    let separator = if cfg!(windows) { ';' } else { ':' };
    let folder = folder.display().to_string();
    match inherited.filter(|p| !p.is_empty()) {
        Some(rest) => format!("{folder}{separator}{rest}"),
        None => folder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_folder_goes_first() {
        let sep = if cfg!(windows) { ';' } else { ':' };
        assert_eq!(prepend(Path::new("m"), None), "m");
        assert_eq!(prepend(Path::new("m"), Some("")), "m");
        assert_eq!(prepend(Path::new("m"), Some("a")), format!("m{sep}a"));
    }
}
