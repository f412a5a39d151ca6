//! Makes the PSUJobs module importable in every job without installing it: the folder that
//! holds it goes first on the job processes' `PSModulePath`, so `Invoke-PSUScript -Integrated`
//! autoloads it.

use std::path::{Path, PathBuf};

/// Names the folder holding `PSUJobs/PSUJobs.psd1`; overrides the default next to the binary.
pub const MODULE_PATH_VAR: &str = "PSUJOBS_MODULE_PATH";

/// The folder jobs import the module from: `PSUJOBS_MODULE_PATH`, else the `out/PSUJobs`
/// beside the binary when it is there.
pub fn module_folder() -> Option<PathBuf> {
    let configured = std::env::var_os(MODULE_PATH_VAR).map(PathBuf::from);
    configured.or_else(|| {
        // out/bin/psujobs → out/PSUJobs (the layout build.ps1 writes).
        let exe = std::env::current_exe().ok()?;
        let out = exe.parent()?.parent()?.to_path_buf();
        has_module(&out).then_some(out)
    })
}

/// Says at start where jobs get the module from, or that they will not find it: a server
/// copied away from `out/` would otherwise fail every `-Integrated` call with "not recognized".
pub fn log_module_folder() {
    match module_folder() {
        Some(folder) if has_module(&folder) => {
            tracing::info!(folder = %folder.display(), "jobs import PSUJobs from here");
        }
        Some(folder) => tracing::warn!(
            folder = %folder.display(),
            "{MODULE_PATH_VAR} names a folder without PSUJobs/PSUJobs.psd1: jobs can use -Integrated cmdlets only where PSUJobs is installed"
        ),
        None => tracing::warn!(
            "no PSUJobs module beside the server (../PSUJobs) and {MODULE_PATH_VAR} is not set: jobs can use -Integrated cmdlets only where PSUJobs is installed"
        ),
    }
}

/// The variables a job process starts with so the module resolves: `PSModulePath` with the
/// module's folder first (pwsh adds its own folders to whatever it inherits). Empty when no
/// module folder is known.
pub fn module_env() -> Vec<(String, String)> {
    let Some(folder) = module_folder() else {
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
