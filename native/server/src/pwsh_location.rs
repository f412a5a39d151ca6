//! Where the default PowerShell is. `pwsh` on PATH first; failing that, the places
//! PowerShell's own installers put it. The dotnet global tool (how `build.sh` installs it)
//! lands in `~/.dotnet/tools`, which a service or a fresh shell often lacks on PATH. Without
//! this, `psujobs serve` would start but fail every job with "No such file or directory".

use std::path::{Path, PathBuf};

const EXE: &str = if cfg!(windows) { "pwsh.exe" } else { "pwsh" };

/// The pwsh to run when none is configured: its full path if one is found, else bare `pwsh`
/// (so the error a job then gets names what was looked for).
pub fn default_pwsh() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
    let program_files = std::env::var_os("ProgramFiles");
    locate(
        std::env::split_paths(&path),
        home.as_deref().map(Path::new),
        program_files.as_deref().map(Path::new),
    )
    .unwrap_or_else(|| PathBuf::from(EXE))
}

/// The first `pwsh` in `path_dirs`, then in the installers' folders under `home` and
/// `program_files` and the fixed Unix package locations.
fn locate(
    path_dirs: impl Iterator<Item = PathBuf>,
    home: Option<&Path>,
    program_files: Option<&Path>,
) -> Option<PathBuf> {
    let installed = [
        home.map(|h| h.join(".dotnet").join("tools")),
        program_files.map(|p| p.join("PowerShell").join("7")),
        Some(PathBuf::from("/opt/microsoft/powershell/7")),
        Some(PathBuf::from("/usr/local/microsoft/powershell/7")),
    ];
    path_dirs
        .chain(installed.into_iter().flatten())
        .map(|dir| dir.join(EXE))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with_pwsh(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("psujobs-pwsh-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(EXE), b"").unwrap();
        dir
    }

    #[test]
    fn path_wins_over_the_dotnet_tool_folder() {
        let on_path = folder_with_pwsh("path");
        let home = folder_with_pwsh("home");
        let tools = home.join(".dotnet").join("tools");
        std::fs::create_dir_all(&tools).unwrap();
        std::fs::write(tools.join(EXE), b"").unwrap();
        let empty = std::env::temp_dir().join("psujobs-pwsh-no-such-dir");

        let found = locate(
            [empty.clone(), on_path.clone()].into_iter(),
            Some(&home),
            None,
        );
        assert_eq!(found, Some(on_path.join(EXE)));
        // Not on PATH: the dotnet global tool's folder under home.
        let found = locate([empty].into_iter(), Some(&home), None);
        assert_eq!(found, Some(tools.join(EXE)));
        // A folder named pwsh is not an executable.
        let folder = home.join("folder");
        std::fs::create_dir_all(folder.join(EXE)).unwrap();
        let found = locate([folder.clone()].into_iter(), None, None);
        assert_ne!(found, Some(folder.join(EXE)));

        std::fs::remove_dir_all(on_path).unwrap();
        std::fs::remove_dir_all(home).unwrap();
    }
}
