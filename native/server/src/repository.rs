//! The script repository: a folder of `.ps1` files addressed by `/`-separated paths relative
//! to it. Every path from a request goes through [`Repository::resolve`], which refuses
//! anything that would leave the folder (`..`, absolute paths, symlinks pointing out).

use std::path::{Component, Path, PathBuf};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PathError {
    #[error("script path {0:?} is not inside the repository")]
    Escapes(String),
    #[error("script {0:?} does not exist")]
    NotFound(String),
}

#[derive(Debug, Clone)]
pub struct Repository {
    root: PathBuf,
}

impl Repository {
    /// Opens `root`, creating it when missing.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        Ok(Self {
            root: root.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every `.ps1` below the root, as sorted relative paths.
    pub fn list(&self) -> std::io::Result<Vec<String>> {
        let mut found = Vec::new();
        let mut pending = vec![self.root.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    pending.push(path);
                } else if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("ps1"))
                    && let Ok(rel) = path.strip_prefix(&self.root)
                {
                    found.push(to_full_path(rel));
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// The canonical relative form of a requested path: `\` and `/` both separate, and no
    /// component may be `..`, absolute or a drive.
    pub fn normalize(requested: &str) -> Result<String, PathError> {
        let unified = requested.replace('\\', "/");
        let mut parts = Vec::new();
        for component in Path::new(&unified).components() {
            match component {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => return Err(PathError::Escapes(requested.to_string())),
            }
        }
        if parts.is_empty() {
            return Err(PathError::NotFound(requested.to_string()));
        }
        Ok(parts.join("/"))
    }

    /// The file behind a relative path, checked to exist inside the repository.
    pub fn resolve(&self, full_path: &str) -> Result<PathBuf, PathError> {
        let normal = Self::normalize(full_path)?;
        let real = self
            .root
            .join(&normal)
            .canonicalize()
            .map_err(|_| PathError::NotFound(normal.clone()))?;
        if !real.starts_with(&self.root) {
            return Err(PathError::Escapes(full_path.to_string()));
        }
        if !real.is_file() {
            return Err(PathError::NotFound(normal));
        }
        Ok(real)
    }
}

fn to_full_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_resolves_inside_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.ps1"), "1").unwrap();
        std::fs::write(root.join("sub/b.PS1"), "2").unwrap();
        std::fs::write(root.join("notes.txt"), "").unwrap();
        std::fs::write(dir.path().join("outside.ps1"), "").unwrap();
        let repo = Repository::open(&root).unwrap();
        assert_eq!(repo.list().unwrap(), ["a.ps1", "sub/b.PS1"]);
        assert!(repo.resolve("sub\\b.PS1").is_ok());
        assert!(repo.resolve("./a.ps1").is_ok());
        for bad in ["../outside.ps1", "sub/../../outside.ps1", "/etc/passwd"] {
            assert!(
                matches!(repo.resolve(bad), Err(PathError::Escapes(_))),
                "{bad}"
            );
        }
        assert_eq!(
            repo.resolve("zz.ps1"),
            Err(PathError::NotFound("zz.ps1".into()))
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside.ps1"), root.join("l.ps1")).unwrap();
            assert!(matches!(repo.resolve("l.ps1"), Err(PathError::Escapes(_))));
        }
    }
}
